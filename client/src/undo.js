// Undo and redo this device's own changes only, never someone else's, and
// only in what the tablet may change now: the scope follows the board on
// screen and the open actions, and starts afresh when either changes.
import * as Y from "yjs";
import { LOCAL_ORIGIN } from "./textbinding.js";

/** The shared maps each action writes. */
const SCOPES = {
  notes: ["notes", "clusters"],
  groups: ["notes", "clusters"],
  map: ["nodes", "links"],
  plan: ["actions"],
};

/** Wires the Undo and Redo buttons once; returns scope(doc, can) to call on every change. */
export function undoButtons() {
  const undoButton = document.getElementById("undo");
  const redoButton = document.getElementById("redo");
  let undo = null;

  const refresh = () => {
    undoButton.disabled = !undo || undo.undoStack.length === 0;
    redoButton.disabled = !undo || undo.redoStack.length === 0;
  };
  // Each button press (add, delete, an arrow, a drag's start) is its own
  // undo step; only typing merges within the capture timeout.
  const newStep = (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (undo && button && button !== undoButton && button !== redoButton) undo.stopCapturing();
  };
  document.addEventListener("pointerdown", newStep, true);
  document.addEventListener("click", newStep, true);
  undoButton.addEventListener("click", () => undo?.undo());
  redoButton.addEventListener("click", () => undo?.redo());
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z") return;
    if (event.target instanceof HTMLTextAreaElement) return; // the field's own undo
    event.preventDefault();
    if (event.shiftKey) undo?.redo();
    else undo?.undo();
  });

  /** Undo within doc's maps that can(action) opens; none when nothing is open. */
  return function scope(doc, can) {
    undo?.destroy();
    undo = null;
    const names = new Set(Object.entries(SCOPES).filter(([action]) => can(action)).flatMap(([, maps]) => maps));
    if (doc && names.size) {
      undo = new Y.UndoManager([...names].map((name) => doc.getMap(name)), {
        trackedOrigins: new Set([null, LOCAL_ORIGIN]),
        captureTimeout: 500,
      });
      for (const event of ["stack-item-added", "stack-item-popped", "stack-cleared"]) undo.on(event, refresh);
    }
    refresh();
  };
}
