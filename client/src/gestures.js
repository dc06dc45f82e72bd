// Moving things by pointer or by arrow keys, shared by notes and clusters.

const STEP = 20;

/**
 * Follow a pointer drag that starts on `event.currentTarget`.
 * onMove(dx, dy) gets the travel since the start, in board units;
 * onEnd() runs once when the pointer is lifted or the drag is cancelled.
 */
export function trackDrag(event, scale, onMove, onEnd) {
  if (event.button > 0) return false;
  event.preventDefault();
  const handle = event.currentTarget;
  handle.setPointerCapture(event.pointerId);
  const startX = event.clientX;
  const startY = event.clientY;
  // Pointer travel is in screen pixels; the board may be zoomed.
  const move = (e) => onMove((e.clientX - startX) / scale(), (e.clientY - startY) / scale());
  const end = () => {
    handle.removeEventListener("pointermove", move);
    handle.removeEventListener("pointerup", end);
    handle.removeEventListener("pointercancel", end);
    onEnd();
  };
  handle.addEventListener("pointermove", move);
  handle.addEventListener("pointerup", end);
  handle.addEventListener("pointercancel", end);
  return true;
}

/** The move an arrow key asks for ([dx, dy]; Shift moves further), or null. */
export function arrowStep(event) {
  const step = event.shiftKey ? STEP * 3 : STEP;
  const delta = {
    ArrowLeft: [-step, 0],
    ArrowRight: [step, 0],
    ArrowUp: [0, -step],
    ArrowDown: [0, step],
  }[event.key];
  if (delta) event.preventDefault();
  return delta || null;
}

// Others see a drag live, at most this often (ms).
export const DRAG_SYNC_MS = 50;

/**
 * Drag an item live: place(x, y) moves it on this screen at every pointer
 * move, and commit(x, y) writes the position to the shared doc at most every
 * DRAG_SYNC_MS and once more at the end. onEnd() runs after the last commit.
 */
export function liveDrag(event, scale, [originX, originY], place, commit, onEnd = () => {}) {
  let last = 0;
  let pending = null;
  return trackDrag(
    event,
    scale,
    (dx, dy) => {
      const x = Math.max(0, originX + dx);
      const y = Math.max(0, originY + dy);
      place(x, y);
      pending = [x, y];
      const now = performance.now();
      if (now - last >= DRAG_SYNC_MS) {
        last = now;
        commit(x, y);
        pending = null;
      }
    },
    () => {
      if (pending) commit(...pending);
      onEnd();
    },
  );
}
