// Where a box can go on the board: pure geometry over plain boxes
// {x, y, w, h} in board units, so that new notes, pasted pictures and
// revealed drafts all share it. Nothing here knows about Yjs or the page.

/** The space kept between boxes placed here. */
export const GAP = 16;

/** Whether a and b share any area, or come closer than gap (touching is not overlapping). */
export function overlaps(a, b, gap = 0) {
  return a.x < b.x + b.w + gap && b.x < a.x + a.w + gap && a.y < b.y + b.h + gap && b.y < a.y + a.h + gap;
}

/** The part of the board a viewport of width × height shows, in board units (never below 0). */
export function visibleArea({ x = 0, y = 0, scale = 1 }, width, height) {
  const left = Math.max(0, -x / scale);
  const top = Math.max(0, -y / scale);
  return {
    x: left,
    y: top,
    w: Math.max(0, (width - x) / scale - left),
    h: Math.max(0, (height - y) / scale - top),
  };
}

const sortedUnique = (values) => [...new Set(values)].sort((a, b) => a - b);

/** The first grid line (gap + i × (size + gap)) at or after `from`. */
const firstLine = (from, size, gap) => gap + Math.max(0, Math.ceil((from - gap) / (size + gap))) * (size + gap);

/** Grid lines gap + i × (size + gap) from `from` on, for a box of `size` ending by `to`. */
function gridLines(from, to, size, gap) {
  const lines = [];
  for (let line = firstLine(from, size, gap); line + size <= to; line += size + gap) lines.push(line);
  return lines;
}

/** The first of rows × cols (row by row) where a w × h box keeps gap from every box. */
function firstFree(boxes, rows, cols, { w, h }, gap) {
  for (const y of rows) {
    const band = boxes.filter((b) => b.y < y + h + gap && y < b.y + b.h + gap);
    for (const x of cols) {
      if (!band.some((b) => b.x < x + w + gap && x < b.x + b.w + gap)) return { x, y };
    }
  }
  return null;
}

/**
 * A spot for a new w × h box that covers nothing and that nothing covers,
 * with gap all round: the first free one in reading order inside `area` (the
 * part of the board in view), trying grid slots and the spots just right of
 * and just below the boxes. When the view is full, it goes on below the view.
 * On an empty board, with the view at the origin, that is (gap, gap), then
 * the next grid slot to its right.
 */
export function freeSpot(boxes, size, { area, gap = GAP }) {
  const { w, h } = size;
  const right = area.x + area.w;
  const bottom = area.y + area.h;
  let cols = [
    ...gridLines(area.x, right, w, gap),
    ...boxes.map((b) => b.x + b.w + gap).filter((x) => x >= area.x && x + w <= right),
  ];
  // A view narrower than the box: the grid slot at its left edge.
  if (!cols.length) cols = [firstLine(area.x, w, gap)];
  cols = sortedUnique(cols);
  const first = cols[0];
  const last = cols[cols.length - 1] + w;
  const near = boxes.filter((b) => b.x < last + gap && first < b.x + b.w + gap);
  const belows = near.map((b) => b.y + b.h + gap);
  const inView = sortedUnique([
    ...gridLines(area.y, bottom, h, gap),
    ...belows.filter((y) => y >= area.y && y + h <= bottom),
  ]);
  const spot = firstFree(near, inView, cols, size, gap);
  if (spot) return spot;
  // Below everything in these columns is always free, so this always ends.
  const lowest = Math.max(firstLine(area.y, h, gap), ...belows);
  const beyond = sortedUnique([
    ...gridLines(area.y, lowest + h, h, gap),
    ...belows.filter((y) => y >= area.y),
    lowest,
  ]);
  return firstFree(near, beyond, cols, size, gap);
}

/**
 * The free spot nearest to where `box` is (straight-line distance; ties go
 * to the upper, then the left one), keeping gap from every box, never left
 * of min.x or above min.y, and only where allow(x, y) says yes. Returns the
 * box's own spot when it is free, and null only when allow rules out every
 * free spot.
 */
export function nearestSpot(boxes, box, { gap = GAP, min = { x: 0, y: 0 }, allow = () => true } = {}) {
  const { x: x0, y: y0, w, h } = box;
  const fits = (x, y, among) => allow(x, y) && !among.some((b) => overlaps({ x, y, w, h }, b, gap));
  if (x0 >= min.x && y0 >= min.y && fits(x0, y0, boxes)) return { x: x0, y: y0 };
  // The nearest free spot lines up with its own start or with an edge of a
  // box it touches, so these lines hold it. Looking only at the boxes within
  // reach keeps a full board cheap; the reach doubles until a spot is found.
  let spanX = Math.abs(x0 - min.x) + w;
  let spanY = Math.abs(y0 - min.y) + h;
  for (const b of boxes) {
    spanX = Math.max(spanX, Math.abs(b.x - min.x) + b.w + w + gap);
    spanY = Math.max(spanY, Math.abs(b.y - min.y) + b.h + h + gap);
  }
  const far = Math.hypot(spanX, spanY);
  for (let reach = Math.max(w, h); ; reach *= 2) {
    const within = { x: x0 - reach, y: y0 - reach, w: w + 2 * reach, h: h + 2 * reach };
    const near = boxes.filter((b) => overlaps(b, within, gap));
    const lines = (start, low, edges) =>
      sortedUnique([start, low, ...edges]).filter((v) => v >= low && Math.abs(v - start) <= reach);
    const xs = lines(x0, min.x, near.flatMap((b) => [b.x + b.w + gap, b.x - gap - w]));
    const ys = lines(y0, min.y, near.flatMap((b) => [b.y + b.h + gap, b.y - gap - h]));
    let best = null;
    for (const y of ys) {
      for (const x of xs) {
        const distance = Math.hypot(x - x0, y - y0);
        if (distance > reach || (best && distance >= best.distance)) continue;
        if (fits(x, y, near)) best = { x, y, distance };
      }
    }
    if (best) return { x: best.x, y: best.y };
    if (reach > 2 * far) return null;
  }
}

/**
 * How much of `box` (0 to 1) the boxes in `covers` cover together. Overlaps
 * between the covers count once.
 */
export function coveredShare(box, covers) {
  const parts = covers
    .filter((c) => overlaps(c, box))
    .map((c) => ({
      x0: Math.max(c.x, box.x), y0: Math.max(c.y, box.y),
      x1: Math.min(c.x + c.w, box.x + box.w), y1: Math.min(c.y + c.h, box.y + box.h),
    }));
  if (!parts.length || box.w <= 0 || box.h <= 0) return 0;
  const xs = sortedUnique(parts.flatMap((p) => [p.x0, p.x1]));
  const ys = sortedUnique(parts.flatMap((p) => [p.y0, p.y1]));
  let area = 0;
  for (let i = 0; i + 1 < xs.length; i++) {
    for (let j = 0; j + 1 < ys.length; j++) {
      const cx = (xs[i] + xs[i + 1]) / 2;
      const cy = (ys[j] + ys[j + 1]) / 2;
      if (parts.some((p) => cx > p.x0 && cx < p.x1 && cy > p.y0 && cy < p.y1)) {
        area += (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j]);
      }
    }
  }
  return area / (box.w * box.h);
}
