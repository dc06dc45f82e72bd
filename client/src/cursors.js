// Others' pointers on the board, live through awareness.
//
// Pointers are anonymous: a colour per connection and no name, so that where
// someone points never says who wrote a note. The who-is-here list has the
// names, and is never tied to anything on the board.

// At most one pointer update per this many ms from each tablet.
export const CURSOR_SYNC_MS = 100;
const CURSOR_COLORS = ["#c92a2a", "#1864ab", "#2b8a3e", "#862e9c", "#d9480f", "#0b7285", "#5c940d", "#a61e4d"];
const SVG = "http://www.w3.org/2000/svg";

function pointerShape(color) {
  const shape = document.createElementNS(SVG, "svg");
  shape.setAttribute("viewBox", "0 0 24 24");
  shape.setAttribute("width", "28");
  shape.setAttribute("height", "28");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", "M2 2 L2 20 L7.5 15 L11 23 L14.5 21.5 L11 14 L19 14 Z");
  path.setAttribute("fill", color);
  path.setAttribute("stroke", "#fff");
  path.setAttribute("stroke-width", "1.5");
  shape.append(path);
  return shape;
}

/**
 * spaces: {name: {viewport, surface, view}}: where pointers are tracked and
 * drawn (the notes board and the system map). Read-only pages only show.
 * Returns {destroy}.
 */
export function cursorLayer(awareness, spaces, readOnly) {
  const shown = new Map();
  const unlisten = [];

  if (!readOnly) {
    let last = 0;
    let timer = null;
    let pending = null; // [space, clientX, clientY], or null when the pointer left
    // Board units are worked out only when sending: toBoard reads the
    // viewport's position, which would force a layout on every pointer move.
    const send = () => {
      timer = null;
      last = performance.now();
      let cursor = null;
      if (pending) {
        const [space, clientX, clientY] = pending;
        const [x, y] = spaces[space].view.toBoard(clientX, clientY);
        cursor = { space, x: Math.round(x), y: Math.round(y) };
      }
      awareness.setLocalStateField("cursor", cursor);
    };
    const update = (value) => {
      pending = value;
      if (timer !== null) return;
      const wait = CURSOR_SYNC_MS - (performance.now() - last);
      timer = setTimeout(send, Math.max(0, wait));
    };
    for (const [space, { viewport }] of Object.entries(spaces)) {
      const onMove = (event) => update([space, event.clientX, event.clientY]);
      const onLeave = () => update(null);
      viewport.addEventListener("pointermove", onMove);
      viewport.addEventListener("pointerleave", onLeave);
      unlisten.push(() => {
        viewport.removeEventListener("pointermove", onMove);
        viewport.removeEventListener("pointerleave", onLeave);
      });
    }
    unlisten.push(() => clearTimeout(timer));
  }

  function render() {
    const seen = new Set();
    for (const [clientId, state] of awareness.getStates()) {
      const cursor = state.cursor;
      if (clientId === awareness.clientID || !cursor || !spaces[cursor.space]) continue;
      if (!Number.isFinite(cursor.x) || !Number.isFinite(cursor.y)) continue;
      seen.add(clientId);
      let entry = shown.get(clientId);
      if (!entry || entry.space !== cursor.space) {
        entry?.node.remove();
        const node = document.createElement("div");
        node.className = "cursor";
        node.setAttribute("aria-hidden", "true");
        node.dataset.clientId = String(clientId);
        node.append(pointerShape(CURSOR_COLORS[clientId % CURSOR_COLORS.length]));
        spaces[cursor.space].surface.append(node);
        entry = { node, space: cursor.space };
        shown.set(clientId, entry);
      }
      entry.node.style.transform = `translate(${cursor.x}px, ${cursor.y}px)`;
    }
    for (const [clientId, entry] of shown) {
      if (!seen.has(clientId)) {
        entry.node.remove();
        shown.delete(clientId);
      }
    }
  }

  awareness.on("change", render);
  render();
  return {
    /** Stop showing and sending pointers. */
    destroy() {
      awareness.off("change", render);
      for (const stop of unlisten) stop();
      for (const entry of shown.values()) entry.node.remove();
      shown.clear();
    },
  };
}
