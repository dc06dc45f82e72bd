// The outline: clusters and their notes as plain text, for screen readers
// and facilitators.
import { el } from "./dom.js";
import { pictureName } from "./notes.js";

function noteItem([, note], index) {
  const text = note.get("text").toString().trim();
  const picture = pictureName(note);
  const shown = picture ? `(${picture})${text ? ` ${text}` : ""}` : text;
  return el("li", {}, shown || `(empty note ${index + 1})`);
}

export function outlinePanel(panel, list) {
  return function update(ordered, { clustered, loose }) {
    const items = clustered.map(([title, inside]) =>
      el("li", { class: "outline-cluster" }, el("strong", {}, title), el("ul", {}, ...inside.map(noteItem))),
    );
    items.push(...loose.map(noteItem));
    list.replaceChildren(...items);
    panel.querySelector(".outline-count").textContent =
      `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}`;
  };
}
