// Pan and zoom of the board: wheel pans, Ctrl+wheel (a trackpad pinch) zooms
// at the pointer, two fingers pinch and pan, one finger on the background
// pans, and buttons zoom for those who use neither.
export const MIN_SCALE = 0.3;
export const MAX_SCALE = 2.5;
const BUTTON_STEP = 1.25;

export function boardView(viewport, surface, controls) {
  const view = { scale: 1, x: 0, y: 0 };
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

  const centre = () => [viewport.clientWidth / 2, viewport.clientHeight / 2];
  controls.querySelector(".zoom-in").addEventListener("click", () => zoomAt(BUTTON_STEP, ...centre()));
  controls.querySelector(".zoom-out").addEventListener("click", () => zoomAt(1 / BUTTON_STEP, ...centre()));
  controls.querySelector(".zoom-reset").addEventListener("click", () => {
    Object.assign(view, { scale: 1, x: 0, y: 0 });
    apply();
  });
  apply();
  return view;
}
