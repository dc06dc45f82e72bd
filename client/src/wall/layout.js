// Where things go on the wall: the grid of room tiles that fills the screen,
// and the scale that fits a board's content into its tile.

/** Columns and rows for n tiles in width × height, with tiles as near `aspect` (w/h) as the grid allows. */
export function gridFor(n, width, height, aspect = 1.6) {
  let best = { columns: 1, rows: Math.max(1, n), size: -1 };
  for (let columns = 1; columns <= Math.max(1, n); columns += 1) {
    const rows = Math.ceil(n / columns);
    const w = width / columns;
    const h = height / rows;
    // The biggest box of the wanted shape that fits in one tile.
    const size = Math.min(w, h * aspect);
    if (size > best.size + 0.5) best = { columns, rows, size };
  }
  return { columns: best.columns, rows: best.rows };
}

/** Bounds {x, y, w, h} around boxes [{x, y, w, h}], or null when there are none. */
export function boundsOf(boxes) {
  if (!boxes.length) return null;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const box of boxes) {
    left = Math.min(left, box.x);
    top = Math.min(top, box.y);
    right = Math.max(right, box.x + box.w);
    bottom = Math.max(bottom, box.y + box.h);
  }
  return { x: left, y: top, w: right - left, h: bottom - top };
}

/**
 * The view {scale, x, y} that shows `bounds` whole and centred in a
 * viewport of width × height, never above maxScale.
 */
export function fitView(bounds, width, height, maxScale = 1, margin = 12) {
  if (!bounds || width <= 0 || height <= 0) return { scale: maxScale, x: margin, y: margin };
  const scale = Math.min(
    maxScale,
    (width - 2 * margin) / Math.max(bounds.w, 1),
    (height - 2 * margin) / Math.max(bounds.h, 1),
  );
  return {
    scale,
    x: (width - bounds.w * scale) / 2 - bounds.x * scale,
    y: (height - bounds.h * scale) / 2 - bounds.y * scale,
  };
}
