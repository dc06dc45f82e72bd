// Notes that stay in the room (the room's `kept` list in the state) carry a
// small house in their corner, on the tablets and on the wall, so that
// everyone in the room knows people watching from elsewhere never see them.
// Observers get no such note at all, so their pages need no badge.
import { el } from "./dom.js";

export const KEPT_WORDS = "Stays in this room: not shown to observers";
const NOTE = "article.note[data-note-id]";

function badge() {
  return el("span", { class: "kept-badge", role: "img", "aria-label": KEPT_WORDS, title: KEPT_WORDS },
    el("span", { "aria-hidden": "true" }, "🏠"));
}

/**
 * Badges on the notes drawn inside a root element (notes may lie deeper
 * when `subtree`). set(ids) takes the room's kept list; attach(root) follows
 * a new board; destroy() stops.
 */
export function keptBadges() {
  let kept = new Set();
  let root = null;
  let observer = null;

  function mark(node) {
    const want = kept.has(node.dataset.noteId);
    const shown = node.querySelector(":scope > .kept-badge");
    if (want && !shown) node.prepend(badge());
    else if (!want && shown) shown.remove();
  }

  // Only notes that arrive need a look; typing in a note adds no note.
  function arrived(records) {
    if (!kept.size) return;
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        if (node.matches(NOTE)) mark(node);
        else if (node.firstElementChild) for (const note of node.querySelectorAll(NOTE)) mark(note);
      }
    }
  }

  function notesWithId(id) {
    return root ? root.querySelectorAll(`${NOTE}[data-note-id="${CSS.escape(id)}"]`) : [];
  }

  return {
    /** The room's kept note ids (STATE rooms[id].kept; anything else is none); true if they changed. */
    set(ids) {
      const next = new Set(Array.isArray(ids) ? ids.filter((id) => typeof id === "string") : []);
      const changed = [...kept].filter((id) => !next.has(id)).concat([...next].filter((id) => !kept.has(id)));
      kept = next;
      for (const id of changed) for (const node of notesWithId(id)) mark(node);
      return changed.length > 0;
    },
    /** The kept note ids now. */
    ids: () => kept,
    /** Follow the notes under `node` (a board surface, or a wall tile's board with `subtree`). */
    attach(node, { subtree = false } = {}) {
      observer?.disconnect();
      root = node;
      if (!node) return;
      observer = new MutationObserver(arrived);
      observer.observe(node, { childList: true, subtree });
      for (const note of node.querySelectorAll(NOTE)) mark(note);
    },
    destroy() {
      observer?.disconnect();
      observer = null;
      root = null;
    },
  };
}
