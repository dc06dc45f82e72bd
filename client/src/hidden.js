// Hidden notes: a note covered anyway (two people moving things at once, a
// board from before notes kept clear of each other) must not be a lost
// idea. A button on the board says how many notes are hidden and brings
// them all out; the outline marks each one. Which notes count as hidden is
// decided in untangle.js (hiddenNotes).
import * as Y from "yjs";

/**
 * button: the "N notes are hidden under others. Show them" button, hidden
 * while no note is. clusters: the cluster layer (hidden(), untangleAll()).
 * onChange() runs when the set of hidden notes changes; say(message) tells
 * a screen reader what "Show them" did. can(action): see notes.js; call
 * applyAccess() when its answers change.
 */
export function hiddenNotesButton({ doc, button, clusters, readOnly, onChange, say, can = () => !readOnly }) {
  const mayMove = () => !readOnly && (can("notes") || can("groups"));
  let hidden = new Map();
  let timer = 0;
  const label = button.querySelector(".hidden-notes-text");

  function update() {
    timer = 0;
    const now = clusters.hidden();
    const same = now.size === hidden.size && [...now].every(([id, why]) => hidden.get(id) === why);
    hidden = now;
    if (same) return;
    const count = hidden.size;
    label.textContent = count === 1
      ? "1 note is hidden under others. Show it"
      : `${count} notes are hidden under others. Show them`;
    button.hidden = !mayMove() || count === 0;
    onChange();
  }

  // Moves, new notes and new groups change what is hidden; typing does not.
  const schedule = (events) => {
    if (!timer && events.some((event) => !(event.target instanceof Y.Text))) timer = setTimeout(update, 0);
  };
  doc.getMap("notes").observeDeep(schedule);
  doc.getMap("clusters").observeDeep(schedule);
  const destroy = () => {
    doc.getMap("notes").unobserveDeep(schedule);
    doc.getMap("clusters").unobserveDeep(schedule);
    clearTimeout(timer);
  };

  if (!readOnly) {
    button.addEventListener("click", () => {
      if (!mayMove()) return;
      const first = hidden.keys().next().value;
      const moved = clusters.untangleAll();
      say(`Moved ${moved} ${moved === 1 ? "note" : "notes"}. Every note can be seen now.`);
      // The button goes away; the focus goes to the first note that was hidden.
      const handle = document.querySelector(`[data-note-id="${CSS.escape(first || "")}"] .note-handle`);
      if (handle) handle.focus();
    });
  }
  update();
  const applyAccess = () => {
    button.hidden = !mayMove() || hidden.size === 0;
  };
  return { current: () => hidden, applyAccess, destroy };
}
