// Action cards (docs/schema.md, `actions`): in a phase that opens "plan", a
// room turns its top ideas into cards on its board: the idea, the first step
// within 48 hours, who takes it (a role), by when, and what it needs. Each
// note offers "Make an action" then. Cards never stay on notes, groups or
// other cards: a new card goes to a free spot, a dropped card to the nearest
// free one, and after this tablet moves notes (a drop, Tidy, "Show them") a
// card they landed on makes way.
import { randomId } from "./ids.js";
import * as Y from "yjs";
import { bindText, showText } from "./textbinding.js";
import { el } from "./dom.js";
import { extentOf } from "./view.js";
import { arrowStep, liveDrag } from "./gestures.js";
import { GAP, freeSpot, nearestSpot, overlaps, visibleArea } from "./placement.js";
import { alongArrow } from "./untangle.js";
import { NOTE_W, pictureName } from "./notes.js";
import { speak } from "./speech.js";

export const CARD_W = 300;
export const CARD_H = 380;

/** A card's fields in order: the label on the card, the shorter one read out and listed, the hint. */
export const FIELDS = [
  { key: "idea", label: "The idea", said: "The idea", hint: "What should change?" },
  { key: "step", label: "First step, within 48 hours", said: "First step, within 48 hours",
    hint: "For example: call the council" },
  { key: "who", label: "Who takes it (a role, not a name)", said: "Who takes it",
    hint: "For example: housing officer" },
  { key: "when", label: "By when", said: "By when", hint: "For example: Friday noon" },
  { key: "cost", label: "What it needs (people, money, time)", said: "What it needs",
    hint: "For example: 2 hours and £50" },
];

const isCard = (value) => value instanceof Y.Map && FIELDS.every(({ key }) => value.get(key) instanceof Y.Text);

/** Cards in creation order, then by id, as [id, Y.Map] pairs. */
export function orderedCards(actions) {
  return [...actions.entries()]
    .filter(([, card]) => isCard(card))
    .sort(([a, x], [b, y]) => (x.get("created") || 0) - (y.get("created") || 0) || (a < b ? -1 : 1));
}

/** A card's fields as [short label, words] pairs, words trimmed. */
export function cardFields(card) {
  return FIELDS.map(({ key, said }) => [said, card.get(key).toString().trim()]);
}

/** A note's words for a card or a button: its text, else what its picture shows. */
function noteWords(note) {
  const text = note.get("text") instanceof Y.Text ? note.get("text").toString().trim() : "";
  return text || pictureName(note);
}

/** What "Read" says: the heading, then each field that has words. */
function spokenCard(card) {
  const said = cardFields(card).filter(([, words]) => words).map(([label, words]) => `${label}: ${words}`);
  return said.length ? ["Action", ...said].join(". ") : "Action. Nothing written yet.";
}


// Moves the board makes on its own: never undone by Undo, which would put a
// card back on top of a note.
const PLACEMENT_ORIGIN = Symbol("action placement");

/**
 * Draws doc's `actions` on `board`. can("plan") says whether cards may be
 * written now; offer() whether the phase asks for new ones (the "Make an
 * action" buttons); obstacles() gives the notes and group frames as boxes.
 * picture: the wall's read-only drawing, words as plain text, no buttons.
 * onChange() runs when a card changes (its words, its place, or the list);
 * call applyAccess() when can's or offer's answers change.
 */
export function actionLayer({
  doc, board, readOnly, can = () => !readOnly, offer = () => false, view = { scale: 1 },
  obstacles = () => [], say = () => {}, onChange = () => {}, picture = false,
}) {
  readOnly = readOnly || picture;
  const actions = doc.getMap("actions");
  const notes = doc.getMap("notes");
  const rendered = new Map();
  const mayWrite = () => !readOnly && can("plan");
  const mayOffer = () => mayWrite() && offer();

  const boxOf = (card) => ({ x: card.get("x") || 0, y: card.get("y") || 0, w: CARD_W, h: CARD_H });
  const cardBoxes = (except = null) =>
    orderedCards(actions).filter(([id]) => id !== except).map(([, card]) => boxOf(card));
  /** Everything a card must keep clear of: notes, group frames, the other cards. */
  const othersOf = (id) => [...obstacles().map(({ x, y, w, h }) => ({ x, y, w, h })), ...cardBoxes(id)];
  const inView = () => visibleArea(view, board.clientWidth, board.clientHeight);

  function move(card, { x, y }, origin = null) {
    doc.transact(() => {
      card.set("x", Math.max(0, Math.round(x)));
      card.set("y", Math.max(0, Math.round(y)));
    }, origin);
  }

  /** A card let go on something moves to the nearest free spot. */
  function settle(id, card) {
    const box = boxOf(card);
    const others = othersOf(id);
    if (others.some((other) => overlaps(other, box))) move(card, nearestSpot(others, box));
  }

  // Cards this tablet placed in this page session and nobody has moved since.
  // Two tablets that make a card at the same moment may pick the same spot,
  // and a note may arrive where a new card went: when a card or a note is
  // added, such a card of this tablet that lies on a note or on an earlier
  // card moves. Only its maker moves it, and the first card never moves.
  const fresh = new Set();
  let settling = 0;

  /** Move the cards in `ids` (all, by default) that lie on anything before them. */
  function makeWay(ids = null) {
    settling = 0;
    if (!mayWrite()) return;
    const fixed = obstacles().map(({ x, y, w, h }) => ({ x, y, w, h }));
    const cards = orderedCards(actions);
    const boxes = new Map(cards.map(([id, card]) => [id, boxOf(card)]));
    cards.forEach(([id, card], index) => {
      if (ids && !ids.has(id)) return;
      const box = boxes.get(id);
      const before = [...fixed, ...cards.slice(0, index).map(([other]) => boxes.get(other))];
      if (!before.some((other) => overlaps(other, box))) return;
      const others = [...fixed, ...[...boxes].filter(([other]) => other !== id).map(([, b]) => b)];
      const spot = nearestSpot(others, box);
      boxes.set(id, { ...box, ...spot });
      move(card, spot, PLACEMENT_ORIGIN);
    });
  }

  // Never inside the observer: a change to the doc waits for the next task.
  const watchFresh = (events) => {
    if (settling || !fresh.size) return;
    if (events.some((event) => event.target === actions || event.target === notes)) {
      settling = setTimeout(() => makeWay(fresh), 0);
    }
  };

  function startDrag(event, id, card, node) {
    if (!mayWrite()) return;
    fresh.delete(id);
    liveDrag(
      event,
      () => view.scale,
      [card.get("x") || 0, card.get("y") || 0],
      (x, y) => {
        node.style.left = `${x}px`;
        node.style.top = `${y}px`;
      },
      (x, y) => move(card, { x, y }),
      () => settle(id, card),
    );
  }

  // One step, or straight on past what is in the way, as a group moves.
  function onHandleKey(event, id, card) {
    if (!mayWrite()) return;
    const delta = arrowStep(event);
    if (!delta) return;
    fresh.delete(id);
    const box = boxOf(card);
    const step = { ...box, x: Math.max(0, box.x + delta[0]), y: Math.max(0, box.y + delta[1]) };
    const spot = nearestSpot(othersOf(id), step, { allow: alongArrow(step, delta) });
    if (spot) move(card, spot);
    else say("Cannot go there: notes or cards are in the way");
  }

  function button(label, icon, words, attrs) {
    return el("button", { type: "button", class: "icon-button", "aria-label": label, ...attrs },
      el("span", { "aria-hidden": "true" }, icon), words);
  }

  function create(id, card) {
    const node = el("article", { class: `action-card${picture ? " picture" : ""}`, "data-action-id": id });
    const heading = el("h3", { class: "action-heading" }, el("span", { "aria-hidden": "true" }, "📋"), " Action");
    const bar = el("div", { class: "action-bar" }, heading);
    const entry = { node, fields: [], handle: null, remove: null, unbinds: [] };
    if (!picture) {
      bar.append(button("Read action card aloud", "🔊", "Read", { onclick: () => speak(spokenCard(card)) }));
    }
    if (!readOnly) {
      entry.handle = button("Move action card", "✥", "Move", {
        class: "icon-button action-move",
        "aria-description": "Drag, or use the arrow keys.",
        onpointerdown: (event) => startDrag(event, id, card, node),
        onkeydown: (event) => onHandleKey(event, id, card),
      });
      entry.remove = button("Delete action card", "🗑", "Delete", {
        onclick: () => {
          if (!mayWrite()) return;
          actions.delete(id);
          say("Action card deleted. Undo brings it back.");
        },
      });
      bar.append(entry.handle, entry.remove);
    }
    const fields = el("div", { class: "action-fields" });
    for (const { key, label, hint } of FIELDS) {
      const text = card.get(key);
      if (picture) {
        const words = el("p", { class: `action-text ${key}` });
        fields.append(el("div", { class: "action-field" }, el("span", { class: "action-label" }, label), words));
        entry.unbinds.push(showText(text, words));
        continue;
      }
      const field = el("textarea", { class: `action-text ${key}`, rows: key === "idea" ? "2" : "1" });
      field.dataset.hint = hint;
      fields.append(el("label", { class: "action-field" }, el("span", { class: "action-label" }, label), field));
      entry.fields.push(field);
      entry.unbinds.push(bindText(text, field));
    }
    node.append(bar, fields);
    showAccess(entry);
    return entry;
  }

  function showAccess(entry) {
    const write = mayWrite();
    for (const field of entry.fields) {
      field.readOnly = !write;
      field.placeholder = write ? field.dataset.hint : "";
    }
    if (entry.handle) entry.handle.hidden = !write;
    if (entry.remove) entry.remove.hidden = !write;
  }

  function place(entry, card) {
    entry.node.style.left = `${card.get("x") || 0}px`;
    entry.node.style.top = `${card.get("y") || 0}px`;
  }

  // A move touches only its card; a card added or removed renders them all.
  function render(events = []) {
    if (events.length && events.every((event) => event.target !== actions)) {
      for (const event of events) {
        const id = event.path[0];
        const card = actions.get(id);
        if (rendered.has(id) && isCard(card)) place(rendered.get(id), card);
      }
      onChange();
      return;
    }
    let previous = null;
    orderedCards(actions).forEach(([id, card], index) => {
      let entry = rendered.get(id);
      if (!entry) {
        entry = create(id, card);
        rendered.set(id, entry);
        // In creation order on every tablet; a card already drawn never
        // moves in the page, which would take the focus out of its field.
        if (previous) previous.after(entry.node);
        else board.insertBefore(entry.node, board.querySelector(":scope > .action-card"));
      }
      previous = entry.node;
      place(entry, card);
      entry.node.setAttribute("aria-label", `Action ${index + 1}`);
    });
    for (const [id, entry] of rendered) {
      if (!isCard(actions.get(id))) {
        for (const unbind of entry.unbinds) unbind();
        entry.node.remove();
        rendered.delete(id);
        fresh.delete(id);
      }
    }
    onChange();
  }

  /** A card this person works on that is not wholly in view comes to the middle of the screen. */
  function keepInView(spot) {
    if (!view.centreOn) return;
    const area = inView();
    const inside = spot.x >= area.x && spot.y >= area.y &&
      spot.x + CARD_W <= area.x + area.w && spot.y + CARD_H <= area.y + area.h;
    if (!inside) view.centreOn(spot.x + CARD_W / 2, spot.y + CARD_H / 2, view.scale);
  }

  /** A new card at spot, its idea `idea`, made from note `from` (or none). */
  function make(spot, idea = "", from = "") {
    const id = randomId();
    const card = new Y.Map();
    fresh.add(id);
    doc.transact(() => {
      for (const { key } of FIELDS) card.set(key, new Y.Text(key === "idea" ? idea : ""));
      card.set("note", from);
      card.set("x", spot.x);
      card.set("y", spot.y);
      card.set("created", Date.now());
      actions.set(id, card);
    });
    keepInView(spot);
    // The next thing to write: the first step when the idea came with it.
    rendered.get(id)?.fields[idea ? 1 : 0].focus();
    return id;
  }

  /** "Add action": a blank card in the first free spot in view. */
  function add() {
    if (!mayWrite()) return null;
    return make(freeSpot(othersOf(null), { w: CARD_W, h: CARD_H }, { area: inView() }));
  }

  /** "Make an action": a card with the note's words, in the free spot nearest its right. */
  function fromNote(noteId) {
    const note = notes.get(noteId);
    if (!mayWrite() || !(note instanceof Y.Map)) return null;
    const beside = { x: (note.get("x") || 0) + NOTE_W + GAP, y: note.get("y") || 0, w: CARD_W, h: CARD_H };
    return make(nearestSpot(othersOf(null), beside), noteWords(note), noteId);
  }

  // "Make an action" on each note while the phase asks for cards: its own
  // row under the note, so the note's buttons stay as they are.
  let pending = 0;
  function decorate() {
    pending = 0;
    if (!mayOffer()) {
      for (const row of board.querySelectorAll(":scope > article.note > .note-plan")) row.remove();
      return;
    }
    for (const node of board.querySelectorAll(":scope > article.note[data-note-id]")) {
      const row = node.querySelector(":scope > .note-plan");
      const note = notes.get(node.dataset.noteId);
      if (!(note instanceof Y.Map)) continue;
      const label = `Make an action from “${noteWords(note) || "a note without words"}”`;
      if (row) {
        const made = row.querySelector("button");
        if (made.getAttribute("aria-label") !== label) made.setAttribute("aria-label", label);
        continue;
      }
      node.append(el("div", { class: "note-plan" }, button(label, "📋", "Make an action", {
        class: "icon-button plan-button",
        onclick: () => fromNote(node.dataset.noteId),
      })));
    }
  }
  const soon = () => {
    if (!pending) pending = requestAnimationFrame(decorate);
  };
  const watchNotes = readOnly ? null : new MutationObserver(soon);
  // A note's words name its button.
  const onNotes = (events) => {
    if (mayOffer() && events.some((event) => event.target instanceof Y.Text)) soon();
  };

  /** Show and allow what can("plan") and offer() say now. */
  function applyAccess() {
    for (const entry of rendered.values()) showAccess(entry);
    soon();
  }

  /** The cards as plain boxes, for placing notes clear of them and for fitting a view. */
  const boxes = () => cardBoxes();

  /** How far the cards reach, in board units, for "Fit". */
  const size = () => extentOf(orderedCards(actions).map(([, card]) => card), CARD_W, CARD_H);

  /** Stop following the document and take the cards and buttons off the board. */
  function destroy() {
    actions.unobserveDeep(render);
    actions.unobserveDeep(watchFresh);
    notes.unobserveDeep(watchFresh);
    notes.unobserveDeep(onNotes);
    watchNotes?.disconnect();
    cancelAnimationFrame(pending);
    clearTimeout(settling);
    for (const entry of rendered.values()) {
      for (const unbind of entry.unbinds) unbind();
      entry.node.remove();
    }
    rendered.clear();
    for (const row of board.querySelectorAll(".note-plan")) row.remove();
  }

  actions.observeDeep(render);
  if (!readOnly) {
    actions.observeDeep(watchFresh);
    notes.observeDeep(watchFresh);
  }
  if (watchNotes) {
    watchNotes.observe(board, { childList: true });
    notes.observeDeep(onNotes);
  }
  render();
  soon();
  return {
    add, fromNote, boxes, size, applyAccess, destroy,
    /** After this tablet moved notes: every card on a note, a group or an earlier card makes way. */
    makeWay: () => makeWay(),
    ordered: () => orderedCards(actions),
  };
}
