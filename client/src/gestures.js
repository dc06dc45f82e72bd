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
