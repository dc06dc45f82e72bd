// The outline: every note as plain text, for screen readers and facilitators.
import { el } from "./notes.js";

export function outlinePanel(panel, list) {
  return function update(ordered) {
    const items = ordered.map(([, note], index) => {
      const text = note.get("text").toString().trim();
      return el("li", {}, text || `(empty note ${index + 1})`);
    });
    list.replaceChildren(...items);
    panel.querySelector(".outline-count").textContent =
      `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}`;
  };
}
