// The outline: clusters and their notes as plain text, for screen readers
// and facilitators.
import { el } from "./dom.js";
import { pictureName } from "./notes.js";

// What hides a hidden note (see untangle.js hiddenNotes), in plain words.
const HIDDEN_BY = {
  note: "(hidden under another note)",
  group: "(hidden: it lies on a group it is not in)",
};

function noteItem([id, note], index, hidden) {
  const text = note.get("text").toString().trim();
  const picture = pictureName(note);
  const shown = picture ? `(${picture})${text ? ` ${text}` : ""}` : text;
  const item = el("li", {}, shown || `(empty note ${index + 1})`);
  const why = hidden.get(id);
  if (why) item.append(" ", el("em", { class: "outline-hidden" }, HIDDEN_BY[why]));
  return item;
}

/** update(ordered, groups, hidden): hidden maps a note id to what hides it. */
export function outlinePanel(panel, list) {
  return function update(ordered, { clustered, loose }, hidden = new Map()) {
    const item = (pair, index) => noteItem(pair, index, hidden);
    const items = clustered.map(([title, inside]) =>
      el("li", { class: "outline-cluster" }, el("strong", {}, title), el("ul", {}, ...inside.map(item))),
    );
    items.push(...loose.map(item));
    list.replaceChildren(...items);
    panel.querySelector(".outline-count").textContent =
      `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}`;
  };
}
