// The outline: clusters and their notes, then the action cards, as plain
// text, for screen readers and facilitators.
import { el } from "./dom.js";
import { pictureName } from "./notes.js";
import { cardFields } from "./actions.js";

// What hides a hidden note (see untangle.js hiddenNotes), in plain words.
const HIDDEN_BY = {
  note: "(hidden under another note)",
  group: "(hidden: it lies on a group it is not in)",
};

function noteItem([id, note], index, hidden, kept) {
  const text = note.get("text").toString().trim();
  const picture = pictureName(note);
  const shown = picture ? `(${picture})${text ? ` ${text}` : ""}` : text;
  const item = el("li", {}, shown || `(empty note ${index + 1})`);
  const why = hidden.get(id);
  if (why) item.append(" ", el("em", { class: "outline-hidden" }, HIDDEN_BY[why]));
  if (kept.has(id)) item.append(" ", el("em", { class: "outline-kept" }, "(stays in this room)"));
  return item;
}

// An action card as its fields in plain text; an empty field says so.
function cardItem([, card], index) {
  const fields = cardFields(card).map(([label, words]) =>
    el("li", {}, el("strong", {}, `${label}:`), " ", words || el("em", {}, "(not written yet)")));
  return el("li", { class: "outline-action" }, el("h4", {}, `Action ${index + 1}`), el("ul", {}, ...fields));
}

/**
 * update(ordered, groups, hidden, cards, kept): hidden maps a note id to what
 * hides it; cards are the action cards as [id, Y.Map] pairs; kept holds the
 * ids of the notes that stay in the room.
 */
export function outlinePanel(panel, list) {
  const cardList = el("ul", { class: "outline-action-list" });
  const actions = el("section", { class: "outline-actions", "aria-label": "Actions", hidden: "" },
    el("h3", {}, "Actions"), cardList);
  list.after(actions);
  return function update(ordered, { clustered, loose }, hidden = new Map(), cards = [], kept = new Set()) {
    const item = (pair, index) => noteItem(pair, index, hidden, kept);
    const items = clustered.map(([title, inside]) =>
      el("li", { class: "outline-cluster" }, el("strong", {}, title), el("ul", {}, ...inside.map(item))),
    );
    items.push(...loose.map(item));
    list.replaceChildren(...items);
    cardList.replaceChildren(...cards.map(cardItem));
    actions.hidden = !cards.length;
    const counted = cards.length ? `, ${cards.length} ${cards.length === 1 ? "action" : "actions"}` : "";
    panel.querySelector(".outline-count").textContent =
      `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}${counted}`;
  };
}
