// Sketch notes: draw with a finger (or a mouse or pen) on a pad, then add the
// drawing to the board as a note. For people who would rather not write.
import { el } from "./dom.js";
import { SKETCH_W, SKETCH_H } from "./notes.js";

export const PENS = [
  ["#111111", "Black"], ["#c92a2a", "Red"], ["#1864ab", "Blue"], ["#2b8a3e", "Green"],
];
const PEN_WIDTH = 6;
// Points closer than this (in sketch units) to the last one are skipped.
const MIN_STEP = 1.5;
// A bound on what one drawing can hold, so a scribble stays a small update.
export const MAX_POINTS = 4000;

/**
 * The drawing pad in `dialog`: strokes are kept in sketch units (SKETCH_W
 * × SKETCH_H), rounded to tenths. onDone(strokes) runs when the person adds it.
 */
export function sketchPad(dialog, onDone) {
  const canvas = dialog.querySelector(".sketch-pad");
  const context = canvas.getContext("2d");
  const tools = dialog.querySelector(".sketch-tools");
  const done = dialog.querySelector(".done");
  const undo = dialog.querySelector(".undo-line");
  const clear = dialog.querySelector(".clear");
  let strokes = [];
  let pen = PENS[0][0];
  let current = null;

  let pointCount = 0; // in all strokes, kept as they grow (checked on every move)

  function paint() {
    const sx = canvas.width / SKETCH_W;
    const sy = canvas.height / SKETCH_H;
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.lineCap = "round";
    context.lineJoin = "round";
    for (const { points, color, width } of strokes) {
      context.strokeStyle = color;
      context.lineWidth = width * sx;
      context.beginPath();
      context.moveTo(points[0] * sx, points[1] * sy);
      // A single point is drawn as a dot.
      if (points.length === 2) context.lineTo(points[0] * sx + 0.01, points[1] * sy);
      for (let i = 2; i + 1 < points.length; i += 2) context.lineTo(points[i] * sx, points[i + 1] * sy);
      context.stroke();
    }
    done.disabled = strokes.length === 0;
    undo.disabled = strokes.length === 0;
    clear.disabled = strokes.length === 0;
  }

  function point(event) {
    const rect = canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * SKETCH_W;
    const y = ((event.clientY - rect.top) / rect.height) * SKETCH_H;
    const clamp = (value, max) => Math.round(Math.min(max, Math.max(0, value)) * 10) / 10;
    return [clamp(x, SKETCH_W), clamp(y, SKETCH_H)];
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button > 0 || pointCount >= MAX_POINTS) return;
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = { points: point(event), color: pen, width: PEN_WIDTH };
    strokes.push(current);
    pointCount += 1;
    paint();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current || pointCount >= MAX_POINTS) return;
    const [x, y] = point(event);
    const n = current.points.length;
    if (Math.hypot(x - current.points[n - 2], y - current.points[n - 1]) < MIN_STEP) return;
    current.points.push(x, y);
    pointCount += 1;
    paint();
  });
  const lift = () => {
    current = null;
  };
  canvas.addEventListener("pointerup", lift);
  canvas.addEventListener("pointercancel", lift);

  tools.replaceChildren(
    ...PENS.map(([color, name]) =>
      el("button", {
        type: "button", class: "swatch pen", "data-color": color, "aria-pressed": String(color === pen),
        style: `--pen: ${color}`,
        onclick: (event) => {
          pen = color;
          for (const button of tools.children) {
            button.setAttribute("aria-pressed", String(button === event.currentTarget));
          }
        },
      }, el("span", { "aria-hidden": "true" }, "●"), name),
    ),
  );
  undo.addEventListener("click", () => {
    pointCount -= (strokes.pop()?.points.length || 0) / 2;
    paint();
  });
  clear.addEventListener("click", () => {
    strokes = [];
    pointCount = 0;
    paint();
  });
  dialog.querySelector(".cancel").addEventListener("click", () => dialog.close());
  done.addEventListener("click", () => {
    const drawing = strokes;
    dialog.close();
    onDone(drawing);
  });

  return function open() {
    strokes = [];
    pointCount = 0;
    current = null;
    paint();
    dialog.showModal();
  };
}
