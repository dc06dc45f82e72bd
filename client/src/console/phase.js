// The phase part: move every room, or one, to a phase of the agenda, and
// (ticked by default) start that phase's timer along with it.
import { el } from "../dom.js";
import { iconOf, phaseLabel } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

export function phasePanel({ send, scope, say }) {
  const list = document.getElementById("phase-list");
  const withTimer = document.getElementById("phase-timer");
  let shown = "";

  async function moveTo(state, phase) {
    const where = scope.words(state);
    const args = { phase: phase ? phase.id : null, ...scope.args() };
    const label = phase ? phase.title : "no phase";
    const moved = await send("phase.set", args, `${where === "every room" ? "Every room" : where} moved to ${label}`);
    if (moved && phase && phase.minutes && withTimer.checked) {
      await send("timer.start", { seconds: phase.minutes * 60, ...scope.args() },
        `${phase.title}: ${phase.minutes} minute timer started`);
    }
  }

  /** The phase after the one the addressed rooms share, if they share one. */
  function nextPhase(state) {
    const current = new Set(scope.rooms(state).map((id) => state.rooms[id].phase ?? null));
    if (current.size !== 1) return null;
    const [id] = current;
    const index = id === null ? -1 : state.agenda.findIndex((phase) => phase.id === id);
    return state.agenda[index + 1] || null;
  }

  function render(state) {
    const rooms = scope.rooms(state);
    const next = nextPhase(state);
    const key = JSON.stringify([state.agenda, rooms.map((id) => [id, state.rooms[id].phase, state.rooms[id].name]),
      next && next.id]);
    if (key === shown) return;
    shown = key;
    const inPhase = (id) => rooms.filter((room) => (state.rooms[room].phase ?? null) === id);
    const item = (phase) => {
      const id = phase ? phase.id : null;
      const here = inPhase(id);
      const current = here.length === rooms.length;
      const minutes = phase && phase.minutes ? `${phase.minutes} min` : "no timer";
      const whoHere = here.length === 0 ? "" : current ? "Now" : `Now: ${here.map((r) => state.rooms[r].name).join(", ")}`;
      return el("li", {},
        el("button", {
          type: "button",
          class: `phase-button${current ? " current" : ""}`,
          "aria-pressed": String(current),
          "data-key": `phase-${id}`,
          "aria-label": `${phase ? phase.title : "No phase, everything open"}, ${minutes}${whoHere ? `. ${whoHere}` : ""}`,
          onclick: () => moveTo(state, phase),
        },
        el("span", { class: "phase-icon", "aria-hidden": "true" }, phase ? iconOf(phase.icon) : "○"),
        el("span", { class: "phase-name" }, phase ? phase.title : "No phase (all open)"),
        el("span", { class: "phase-minutes" }, phase ? minutes : ""),
        el("span", { class: "phase-here" }, whoHere)));
    };
    redrawKeepingFocus(list, () => {
      const items = (state.agenda || []).map(item);
      items.push(item(null));
      if (next) {
        items.unshift(el("li", { class: "next-phase" }, el("button", {
          type: "button", class: "phase-next", "data-key": "phase-next", onclick: () => moveTo(state, next),
        }, el("span", { "aria-hidden": "true" }, "⏭ "), `Next: ${phaseLabel(state, next.id)}`)));
      }
      list.replaceChildren(...items);
    });
  }

  return { render };
}
