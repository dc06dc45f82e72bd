// Pan and zoom of the board: wheel pans, Ctrl+wheel (a trackpad pinch) zooms
// at the pointer, two fingers pinch and pan, one finger on the background
// pans, and buttons zoom for those who use neither. "Fit" shows everything on
// the board at once (never above 100 %). The notes board and the system map
// each have their own view.
import { el } from "./dom.js";

export const MIN_SCALE = 0.3;
export const MAX_SCALE = 2.5;
const BUTTON_STEP = 1.25;

const FIT_MARGIN = 16;

/** How far boxes of width × height at their items' x, y reach: [right, bottom]. */
export function extentOf(items, width, height) {
  let right = 0;
  let bottom = 0;
  for (const item of items) {
    right = Math.max(right, (item.get("x") || 0) + width);
    bottom = Math.max(bottom, (item.get("y") || 0) + height);
  }
  return [right, bottom];
}

/**
 * contentSize() gives the board units the content reaches to, as [width,
 * height] from the origin (everything on a board sits at x, y >= 0).
 */
export function boardView(viewport, surface, controls, contentSize = () => [0, 0]) {
  const view = { scale: 1, x: 0, y: 0 };
  const button = (name, label, text) =>
    el("button", { type: "button", class: `${name} icon-button`, "aria-label": label }, text);
  controls.replaceChildren(
    button("zoom-out", "Zoom out", "−"),
    el("span", { class: "zoom-level", "aria-live": "polite" }, "100%"),
    button("zoom-in", "Zoom in", "+"),
    button("zoom-reset", "Fit to screen", "Fit"),
  );
  const apply = () => {
    surface.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    controls.querySelector(".zoom-level").textContent = `${Math.round(view.scale * 100)}%`;
  };

  function zoomAt(factor, cx, cy) {
    const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
    // Keep the board point under (cx, cy) where it is.
    view.x = cx - ((cx - view.x) * scale) / view.scale;
    view.y = cy - ((cy - view.y) * scale) / view.scale;
    view.scale = scale;
    apply();
  }

  const local = (event) => {
    const rect = viewport.getBoundingClientRect();
    return [event.clientX - rect.left, event.clientY - rect.top];
  };

  viewport.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      if (event.ctrlKey) {
        zoomAt(Math.exp(-event.deltaY / 200), ...local(event));
      } else {
        view.x -= event.deltaX;
        view.y -= event.deltaY;
        apply();
      }
    },
    { passive: false },
  );

  // Pointers on the background pan (one) or pinch (two).
  const pointers = new Map();
  let last = null;
  const summary = () => {
    const points = [...pointers.values()];
    const cx = points.reduce((sum, p) => sum + p[0], 0) / points.length;
    const cy = points.reduce((sum, p) => sum + p[1], 0) / points.length;
    const spread = points.length > 1 ? Math.hypot(points[0][0] - points[1][0], points[0][1] - points[1][1]) : 0;
    return { cx, cy, spread, count: points.length };
  };
  viewport.addEventListener("pointerdown", (event) => {
    if (event.target !== viewport && event.target !== surface) return;
    viewport.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, local(event));
    last = summary();
  });
  viewport.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.set(event.pointerId, local(event));
    const now = summary();
    if (last && now.count === last.count) {
      view.x += now.cx - last.cx;
      view.y += now.cy - last.cy;
      apply();
      if (now.count > 1 && last.spread > 0) zoomAt(now.spread / last.spread, now.cx, now.cy);
    }
    last = now;
  });
  const lift = (event) => {
    pointers.delete(event.pointerId);
    last = pointers.size ? summary() : null;
  };
  viewport.addEventListener("pointerup", lift);
  viewport.addEventListener("pointercancel", lift);

  // The viewport never scrolls: when focus scrolls it to show a field (a
  // keyboard user tabbing to a note off screen), turn that into a pan.
  viewport.addEventListener("scroll", () => {
    if (!viewport.scrollLeft && !viewport.scrollTop) return;
    view.x -= viewport.scrollLeft;
    view.y -= viewport.scrollTop;
    viewport.scrollLeft = 0;
    viewport.scrollTop = 0;
    apply();
  });

  const centre = () => [viewport.clientWidth / 2, viewport.clientHeight / 2];
  controls.querySelector(".zoom-in").addEventListener("click", () => zoomAt(BUTTON_STEP, ...centre()));
  controls.querySelector(".zoom-out").addEventListener("click", () => zoomAt(1 / BUTTON_STEP, ...centre()));
  controls.querySelector(".zoom-reset").addEventListener("click", () => {
    const [width, height] = contentSize();
    const fit = Math.min(
      (viewport.clientWidth - FIT_MARGIN) / Math.max(width, 1),
      (viewport.clientHeight - FIT_MARGIN) / Math.max(height, 1),
    );
    Object.assign(view, { scale: Math.max(MIN_SCALE, Math.min(1, fit)), x: 0, y: 0 });
    apply();
  });
  apply();
  /** Board units under a client (screen) point. */
  view.toBoard = (clientX, clientY) => {
    const rect = viewport.getBoundingClientRect();
    return [(clientX - rect.left - view.x) / view.scale, (clientY - rect.top - view.y) / view.scale];
  };
  return view;
}
