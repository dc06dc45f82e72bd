// Who is here: the names of the people online in this room, as the server
// tells them (never from awareness, whose client id marks each edit).
import { el } from "./dom.js";

/** Lists in `list` who `connection` says is online in its room; follows it. */
export function presenceList(list, connection) {
  // An observer is told no names, not even how many are here.
  if (connection.session.role === "observer") {
    list.hidden = true;
    return;
  }
  let shown = null;
  const render = () => {
    const room = connection.session.room.id;
    const names = connection.people
      .filter((person) => person.room === room && person.online && typeof person.name === "string")
      .map((person) => person.name);
    names.sort((a, b) => a.localeCompare(b));
    const key = JSON.stringify(names);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(
      el("span", { class: "presence-count" }, `${names.length} here`),
      ...names.map((name) => el("span", { class: "presence-name" }, name)),
    );
  };
  connection.on("people", render);
  connection.on("moved", render);
  render();
}
