// Who is here: the names people joined with, never tied to what they wrote.
import { el } from "./dom.js";

/** Lists the names in `awareness` in `list`; returns the function that stops. */
export function presenceList(list, awareness) {
  let shown = null;
  const render = () => {
    const names = [];
    for (const state of awareness.getStates().values()) {
      if (state.user && typeof state.user.name === "string") names.push(state.user.name);
    }
    names.sort((a, b) => a.localeCompare(b));
    // Pointers change awareness many times a second; the list rarely changes.
    const key = JSON.stringify(names);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(
      el("span", { class: "presence-count" }, `${names.length} here`),
      ...names.map((name) => el("span", { class: "presence-name" }, name)),
    );
  };
  awareness.on("change", render);
  render();
  return () => awareness.off("change", render);
}
