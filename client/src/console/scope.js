// "Which rooms": all rooms, or one. The timer and phase controls act on it.
import { el } from "../dom.js";
import { roomList } from "./phases.js";

/** A radio group in `group`; onChange(scope) where scope is null (every room) or a room id. */
export function roomScope(group, onChange) {
  let scope = null;
  let shown = "";

  function choose(value) {
    scope = value;
    for (const input of group.querySelectorAll("input")) input.checked = input.value === (value || "");
    onChange(scope);
  }

  const option = (value, label) => {
    const input = el("input", { type: "radio", name: "scope", value, "data-key": `scope-${value}` });
    input.checked = value === (scope || "");
    input.addEventListener("change", () => choose(value || null));
    return el("label", { class: "chip" }, input, el("span", {}, label));
  };

  return {
    get: () => scope,
    /** The rooms it addresses in this state, as ids. */
    rooms: (state) => (scope && state.rooms[scope] ? [scope] : roomList(state).map(([id]) => id)),
    /** The args for a command: {} for every room, {room} for one. */
    args: () => (scope ? { room: scope } : {}),
    /** In words: "every room", "Table 2". */
    words: (state) => (scope && state.rooms[scope] ? state.rooms[scope].name : "every room"),
    render(state) {
      if (scope && !state.rooms[scope]) scope = null;
      const rooms = roomList(state);
      const key = JSON.stringify(rooms.map(([id, room]) => [id, room.name]));
      if (key === shown) return;
      shown = key;
      const focused = group.contains(document.activeElement);
      group.replaceChildren(option("", "All rooms"), ...rooms.map(([id, room]) => option(id, room.name)));
      if (focused) group.querySelector("input:checked")?.focus();
    },
  };
}
