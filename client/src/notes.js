// Notes on the board: rendering, collaborative text, drag and keyboard moves.
import { randomId } from "./ids.js";
import * as Y from "yjs";
import { bindText, showText } from "./textbinding.js";
import { el } from "./dom.js";
import { extentOf } from "./view.js";
import { arrowStep, liveDrag } from "./gestures.js";
import { freeSpot, overlaps, visibleArea } from "./placement.js";
import { speak } from "./speech.js";

// Note colours and their names (for the colour picker's buttons).
export const COLOR_NAMES = [
  ["#ffe066", "Yellow"], ["#ffb3c1", "Pink"], ["#b2f2bb", "Green"],
  ["#a5d8ff", "Blue"], ["#ffd8a8", "Orange"], ["#d0bfff", "Purple"],
];
export const COLORS = COLOR_NAMES.map(([color]) => color);
export const NOTE_W = 220;
export const NOTE_H = 220;
// Sketch notes are drawn in a box of these board units, above their words.
export const SKETCH_W = 220;
export const SKETCH_H = 110;
// Picture notes for people who would rather not write: an emoji and its name,
// which is also what "Read aloud" says.
export const PICTURES = [
  ["🚌", "bus"], ["🏠", "home"], ["🏥", "hospital"], ["💊", "medicine"],
  ["💷", "money"], ["📱", "phone"], ["👪", "family"], ["🧑‍🤝‍🧑", "friends"],
  ["😊", "happy"], ["😟", "worried"], ["😠", "angry"], ["😴", "tired"],
  ["🍎", "food"], ["🚶", "walking"], ["⏰", "waiting"], ["❓", "question"],
];
const PICTURE_NAMES = new Map(PICTURES);

/** What a picture or sketch note shows, in words ("bus", "drawing"), or "". */
export function pictureName(note) {
  if (note.get("kind") === "sketch") return "drawing";
  if (note.get("kind") === "emoji") return PICTURE_NAMES.get(note.get("emoji")) || "picture";
  return "";
}

function spokenText(note) {
  return [pictureName(note), note.get("text").toString().trim()].filter(Boolean).join(". ");
}

const SVG = "http://www.w3.org/2000/svg";
const SAFE_COLOR = /^#[0-9a-f]{3,8}$/i;

/** A sketch's strokes as checked {points, color, width}; a peer may send anything. */
export function sketchStrokes(value) {
  if (!Array.isArray(value)) return [];
  return value.flatMap((stroke) => {
    const points = stroke && Array.isArray(stroke.points) ? stroke.points : [];
    if (points.length < 2 || !points.every(Number.isFinite)) return [];
    const width = Number.isFinite(stroke.width) ? Math.min(20, Math.max(1, stroke.width)) : 4;
    return [{ points, width, color: SAFE_COLOR.test(stroke.color) ? stroke.color : "#111111" }];
  });
}

/** An SVG drawing of strokes, in sketch units (SKETCH_W × SKETCH_H). */
export function sketchImage(strokes, label = "Drawing") {
  const image = document.createElementNS(SVG, "svg");
  image.setAttribute("viewBox", `0 0 ${SKETCH_W} ${SKETCH_H}`);
  image.setAttribute("class", "note-sketch");
  image.setAttribute("role", "img");
  image.setAttribute("aria-label", label);
  for (const { points, color, width } of strokes) {
    const line = document.createElementNS(SVG, "polyline");
    const pairs = [];
    for (let i = 0; i + 1 < points.length; i += 2) pairs.push(`${points[i]},${points[i + 1]}`);
    // A tap is a dot: draw a zero-length line with round caps.
    if (pairs.length === 1) pairs.push(pairs[0]);
    line.setAttribute("points", pairs.join(" "));
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", String(width));
    image.append(line);
  }
  return image;
}


function isNote(value) {
  return value instanceof Y.Map && value.get("text") instanceof Y.Text;
}

/** Notes in creation order, as [id, Y.Map] pairs. */
export function orderedNotes(notes) {
  return [...notes.entries()]
    .filter(([, note]) => isNote(note))
    .sort(([a, x], [b, y]) => (x.get("created") || 0) - (y.get("created") || 0) || (a < b ? -1 : 1));
}

/** How far the notes reach, in board units, for "Fit". */
export function notesSize(notes) {
  return extentOf([...notes.values()].filter(isNote), NOTE_W, NOTE_H);
}

// Moves the board makes on its own (see settleOwn): never undone by Undo,
// which would put a note back on top of another.
const PLACEMENT_ORIGIN = Symbol("placement");
// The fields whose change may make two notes overlap.
const PLACE_KEYS = ["x", "y", "placed", "cluster"];

/**
 * obstacles() gives every note and group frame as a plain box (a note's with
 * its id): a new note is placed clear of them all. floating() gives the
 * buttons that float over the board's edges, in board units. can(action)
 * says whether "notes" (write, colour, delete, add) or "groups" may be
 * written now; call applyAccess() when its answers change.
 */
export function noteLayer({
  doc, notes, board, readOnly, onChange, onDrop, view = { scale: 1 }, obstacles = () => [], floating = () => [],
  can = () => !readOnly, picture = false,
}) {
  // A picture of the board (the wall's tiles): read only, each note's words
  // as plain text, no buttons. A wall draws hundreds of notes, and a text
  // field each would cost it every frame.
  readOnly = readOnly || picture;
  const rendered = new Map();
  const mayEdit = () => !readOnly && can("notes");
  // Moving a note is how it is grouped, so either action allows it.
  const mayMove = () => !readOnly && (can("notes") || can("groups"));

  function move(note, x, y) {
    doc.transact(() => {
      note.set("x", Math.max(0, Math.round(x)));
      note.set("y", Math.max(0, Math.round(y)));
      // A person put it here, not the board: settleOwn leaves it alone.
      if (note.has("placed")) note.delete("placed");
    });
  }

  function startDrag(event, id, note, node) {
    if (!mayMove()) return;
    liveDrag(
      event,
      () => view.scale,
      [note.get("x") || 0, note.get("y") || 0],
      (x, y) => {
        node.style.left = `${x}px`;
        node.style.top = `${y}px`;
      },
      (x, y) => move(note, x, y),
      () => onDrop && onDrop(id, note),
    );
  }

  function onHandleKey(event, id, note) {
    if (!mayMove()) return;
    if (event.key === "Enter") {
      // The keyboard's "drop": group with the note underneath, or leave a group.
      event.preventDefault();
      if (onDrop) onDrop(id, note, true);
      return;
    }
    const delta = arrowStep(event);
    if (delta) move(note, (note.get("x") || 0) + delta[0], (note.get("y") || 0) + delta[1]);
  }

  // The palette is built on first use: 500 notes need not carry 3,500
  // hidden buttons.
  function colourPicker(note, node) {
    const toggle = el(
      "button",
      { type: "button", class: "icon-button", "aria-label": "Change colour", "aria-expanded": "false" },
      el("span", { "aria-hidden": "true" }, "🎨"),
      "Colour",
    );
    let palette = null;
    const show = (open) => {
      if (!palette) palette = buildPalette();
      palette.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) {
        for (const swatch of palette.children) {
          swatch.setAttribute("aria-pressed", String(swatch.dataset.color === note.get("color")));
        }
        (palette.querySelector("[aria-pressed=true]") || palette.firstChild).focus();
      }
    };
    const buildPalette = () => {
      const group = el("div", { class: "note-palette", role: "group", "aria-label": "Note colour" });
      group.append(...COLOR_NAMES.map(([color, name]) =>
        el("button", {
          type: "button", class: "swatch", "data-color": color, style: `background: ${color}`,
          onclick: () => {
            if (mayEdit()) note.set("color", color);
            show(false);
            toggle.focus();
          },
        }, name),
      ));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          show(false);
          toggle.focus();
        }
      });
      node.append(group);
      return group;
    };
    toggle.addEventListener("click", () => show(!palette || palette.hidden));
    return toggle;
  }

  function create(id, note) {
    const kind = note.get("kind");
    const text = picture ? el("div", { class: "note-text" }) : el("textarea", {
      class: "note-text",
      "aria-label": "Note text",
      placeholder: readOnly ? "" : kind === "emoji" || kind === "sketch" ? "Add words (optional)" : "Write your idea",
    });
    if (!picture) text.readOnly = !mayEdit();
    const node = el("article", { class: `note kind-${kind === "emoji" || kind === "sketch" ? kind : "text"}`, "data-note-id": id });
    // A picture of the board has no buttons at all.
    const controls = picture ? null : el("div", { class: "note-controls" }, el(
      "button",
      { type: "button", class: "icon-button", "aria-label": "Read note aloud",
        onclick: () => speak(spokenText(note)) },
      el("span", { "aria-hidden": "true" }, "🔊"),
      "Read",
    ));
    const emoji = note.get("emoji");
    const edits = {};
    let image = null;
    if (kind === "emoji" && PICTURE_NAMES.has(emoji)) {
      image = el("div", { class: "note-picture", role: "img", "aria-label": PICTURE_NAMES.get(emoji) }, emoji);
    } else if (kind === "sketch") {
      image = sketchImage(sketchStrokes(note.get("strokes")));
    }
    if (!readOnly) {
      const handle = el(
        "button",
        {
          type: "button",
          class: "note-handle",
          "aria-label": "Move note",
          "aria-description": "Drag, or use the arrow keys. Press Enter to drop it onto the note it is over.",
          onpointerdown: (event) => startDrag(event, id, note, node),
          onkeydown: (event) => onHandleKey(event, id, note),
        },
        el("span", { "aria-hidden": "true" }, "✥"),
        "Move",
      );
      const remove = el(
        "button",
        {
          type: "button",
          class: "icon-button",
          "aria-label": "Delete note",
          onclick: () => {
            if (mayEdit()) notes.delete(id);
          },
        },
        el("span", { "aria-hidden": "true" }, "🗑"),
        "Delete",
      );
      const colour = colourPicker(note, node);
      controls.append(colour, remove);
      node.append(handle);
      Object.assign(edits, { handle, colour, remove });
    }
    if (image) node.append(image);
    node.append(text);
    if (controls) node.append(controls);
    const words = note.get("text");
    const entry = { node, text, kind, ...edits, unbind: picture ? showText(words, text) : bindText(words, text) };
    showAccess(entry);
    return entry;
  }

  function showAccess(entry) {
    if (readOnly) return;
    const edit = mayEdit();
    entry.text.readOnly = !edit;
    entry.text.placeholder = !edit ? "" : entry.kind === "emoji" || entry.kind === "sketch"
      ? "Add words (optional)" : "Write your idea";
    entry.handle.hidden = !mayMove();
    entry.colour.hidden = !edit;
    entry.remove.hidden = !edit;
    if (!edit) {
      const palette = entry.node.querySelector(".note-palette");
      if (palette) palette.hidden = true;
    }
  }

  function place(entry, note) {
    entry.node.style.left = `${note.get("x") || 0}px`;
    entry.node.style.top = `${note.get("y") || 0}px`;
    // Only a plain colour from a peer: never a url() or anything else in CSS.
    const color = note.get("color");
    entry.node.style.background = SAFE_COLOR.test(color) ? color : COLORS[0];
  }

  let ordered = [];
  // A change inside notes (a move, a keystroke) touches only those notes; a
  // note added or removed renders the whole list again.
  function render(events = []) {
    if (events.length && events.every((event) => event.target !== notes)) {
      // Only words and grouping change what the outline shows.
      let content = false;
      for (const event of events) {
        const id = event.path[0];
        const entry = rendered.get(id);
        const note = notes.get(id);
        if (entry && isNote(note)) place(entry, note);
        if (event.target instanceof Y.Text || event.keysChanged?.has("cluster")) content = true;
      }
      onChange(ordered, { content });
      return;
    }
    ordered = orderedNotes(notes);
    let previous = null;
    ordered.forEach(([id, note], index) => {
      let entry = rendered.get(id);
      if (!entry) {
        entry = create(id, note);
        rendered.set(id, entry);
        // In creation order, on every tablet, so the same note lies on top
        // everywhere (a note that arrives late may have been made earlier).
        if (previous) previous.after(entry.node);
        else board.insertBefore(entry.node, board.querySelector(":scope > .note"));
      }
      previous = entry.node;
      place(entry, note);
      entry.node.setAttribute("aria-label", `Note ${index + 1}`);
    });
    for (const [id, entry] of rendered) {
      if (!isNote(notes.get(id))) {
        entry.unbind();
        entry.node.remove();
        rendered.delete(id);
      }
    }
    onChange(ordered, { content: true });
  }

  const inView = () => visibleArea(view, board.clientWidth, board.clientHeight);

  /**
   * A note this person works on that was placed out of view (the view was
   * full), or under a button floating over the board's edge, comes to the
   * middle of the screen along the way it was out.
   */
  function keepInView(spot) {
    if (!view.centreOn) return;
    const area = inView();
    const box = { ...spot, w: NOTE_W, h: NOTE_H };
    const across = spot.x >= area.x && spot.x + NOTE_W <= area.x + area.w;
    const down = spot.y >= area.y && spot.y + NOTE_H <= area.y + area.h &&
      !floating().some((button) => overlaps(button, box));
    if (across && down) return;
    const middle = [(board.clientWidth / 2 - view.x) / view.scale, (board.clientHeight / 2 - view.y) / view.scale];
    view.centreOn(
      across ? middle[0] : spot.x + NOTE_W / 2,
      down ? middle[1] : spot.y + NOTE_H / 2,
      view.scale,
    );
  }

  // Two tablets that add a note at the same moment each pick the same free
  // spot. Each tablet watches the notes it made in this page session and
  // still where the board put them (`placed`): when one overlaps a placed
  // note made before it (earlier `created`, then smaller id), it moves its
  // own note to a free spot. Only the maker moves a note, so no two tablets
  // write the same note, and the first note never moves, so it settles.
  // Notes a person has moved are never moved here: someone may be dragging
  // one onto another to group them.
  const own = new Set();
  let settling = 0;

  const boxOf = (note) => ({ x: note.get("x") || 0, y: note.get("y") || 0, w: NOTE_W, h: NOTE_H });

  function settleOwn() {
    settling = 0;
    if (!mayMove()) return;
    const placed = orderedNotes(notes).filter(([, note]) => note.get("placed"));
    placed.forEach(([id, note], index) => {
      if (!own.has(id) || note.get("cluster")) return;
      const box = boxOf(note);
      if (!placed.slice(0, index).some(([, first]) => overlaps(boxOf(first), box))) return;
      const spot = freeSpot(obstacles().filter((b) => b.id !== id), box, { area: inView() });
      doc.transact(() => {
        note.set("x", spot.x);
        note.set("y", spot.y);
      }, PLACEMENT_ORIGIN);
      if (rendered.get(id)?.node.contains(document.activeElement)) keepInView(spot);
    });
  }

  // Never inside the observer: a change to the doc waits for the next task.
  const watchOwn = (events) => {
    if (settling || !own.size) return;
    const moved = (event) =>
      event.target === notes ||
      (event.target instanceof Y.Map && PLACE_KEYS.some((key) => event.keysChanged.has(key)));
    if (events.some(moved)) settling = setTimeout(settleOwn, 0);
  };
  notes.observeDeep(watchOwn);

  /** Add a note: a text note, a picture note ({emoji}) or a sketch note ({strokes}). */
  function add({ emoji = "", strokes = null } = {}) {
    if (!mayEdit()) return;
    const id = randomId();
    const spot = freeSpot(obstacles(), { w: NOTE_W, h: NOTE_H }, { area: inView() });
    const note = new Y.Map();
    own.add(id);
    doc.transact(() => {
      note.set("text", new Y.Text());
      note.set("x", spot.x);
      note.set("y", spot.y);
      note.set("placed", true);
      // Random colours, so that colour does not give away who wrote a note.
      note.set("color", COLORS[Math.floor(Math.random() * COLORS.length)]);
      note.set("kind", emoji ? "emoji" : strokes ? "sketch" : "text");
      if (emoji) note.set("emoji", emoji);
      if (strokes) note.set("strokes", strokes);
      note.set("cluster", "");
      note.set("created", Date.now());
      notes.set(id, note);
    });
    keepInView(spot);
    const entry = rendered.get(id);
    if (entry && !strokes) entry.text.focus();
    else entry?.node.querySelector(".note-handle")?.focus();
  }

  /** Show and allow what can(action) opens now. */
  function applyAccess() {
    for (const entry of rendered.values()) showAccess(entry);
  }

  /** Stop following the document and take the notes off the board. */
  function destroy() {
    notes.unobserveDeep(render);
    notes.unobserveDeep(watchOwn);
    clearTimeout(settling);
    for (const entry of rendered.values()) {
      entry.unbind();
      entry.node.remove();
    }
    rendered.clear();
  }

  notes.observeDeep(render);
  render();
  return { add, applyAccess, destroy };
}
