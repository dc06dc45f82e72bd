// The agenda's vocabulary (docs/protocol.md, "The state"): icons and the
// tablet actions a phase opens, with the words and pictures people see.

export const ICONS = [
  ["wave", "👋", "Wave"],
  ["bulb", "💡", "Bulb"],
  ["groups", "🗂️", "Groups"],
  ["map", "🔁", "Map"],
  ["vote", "🗳️", "Vote"],
  ["mirror", "🪞", "Mirror"],
  ["walk", "🚶", "Walk"],
  ["clipboard", "📋", "Clipboard"],
  ["coffee", "☕", "Coffee"],
  ["star", "⭐", "Star"],
];
const ICON_PICTURES = new Map(ICONS.map(([name, picture]) => [name, picture]));

export const ACTIONS = [
  ["notes", "Notes"],
  ["groups", "Groups"],
  ["map", "Map"],
  ["vote", "Vote"],
  ["gallery", "Gallery walk"],
  ["plan", "Action cards"],
];

/** The picture of a phase icon, or a plain dot for an unknown one. */
export function iconOf(name) {
  return ICON_PICTURES.get(name) || "•";
}

/** The phase with this id in the agenda, or null. */
export function phaseOf(state, id) {
  return (state.agenda || []).find((phase) => phase.id === id) || null;
}

/** "💡 Ideate", or "No phase" when none is set. */
export function phaseLabel(state, id) {
  if (id === null || id === undefined) return "No phase: everything open";
  const phase = phaseOf(state, id);
  return phase ? `${iconOf(phase.icon)} ${phase.title}` : id;
}

/** The rooms of the state in id order (r1, r2, … r10), as [id, room] pairs. */
export function roomList(state) {
  const number = (id) => Number(id.replace(/\D/g, "")) || 0;
  return Object.entries(state.rooms || {}).sort(([a], [b]) => number(a) - number(b) || (a < b ? -1 : 1));
}
