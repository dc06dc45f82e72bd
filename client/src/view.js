// Pan and zoom of the board: wheel pans, Ctrl+wheel (a trackpad pinch) zooms
// at the pointer, two fingers pinch and pan, one finger on the background
// pans, and buttons zoom for those who use neither. "Fit" shows everything on
// the board at once (never above 100 %, 125 % on a big screen), clear of the
// zoom buttons. The notes board and the system map each have their own view;
// the map fits itself each time it is shown, until the person moves it.
import { el } from "./dom.js";

export const MIN_SCALE = 0.3;
export const MAX_SCALE = 2.5;
const BUTTON_STEP = 1.25;

const FIT_MARGIN = 16;
// A big screen, such as a projector read from across a hall, shows the board
// at 125 %: it starts there, and "Fit" goes no bigger.
const BIG_SCREEN = "(min-width: 1600px) and (min-height: 900px)";
const BIG_SCREEN_SCALE = 1.25;

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
 * Options: fitUntilMoved (shown() fits until the person pans or zooms);
 * scaledText: the surface's --zoom property is the scale, for text drawn at
 * a size the eye can read whatever the zoom, and under overviewBelow the
 * surface has the class "zoomed-out".
 */
export function boardView(viewport, surface, controls, contentSize = () => [0, 0], options = {}) {
  const { fitUntilMoved = false, overviewBelow = 0, scaledText = false } = options;
  const natural = window.matchMedia(BIG_SCREEN).matches ? BIG_SCREEN_SCALE : 1;
  const view = { scale: natural, x: 0, y: 0 };
  // Set by the person's own pans and zooms; "Fit" clears it.
  let moved = false;
  const button = (name, label, text) =>
    el("button", { type: "button", class: `${name} icon-button`, "aria-label": label }, text);
  controls.replaceChildren(
    button("zoom-out", "Zoom out", "−"),
    el("span", { class: "zoom-level", "aria-live": "polite" }, "100%"),
    button("zoom-in", "Zoom in", "+"),
    button("zoom-reset", "Fit to screen", "Fit"),
  );
  // --zoom is set only on a surface whose text needs it (the map), and only
  // when the scale changes: a custom property restyles every element under
  // it, which on a notes board of 500 notes costs every frame of a pan.
  let styledScale = null;
  const apply = () => {
    surface.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
    if (scaledText && view.scale !== styledScale) {
      styledScale = view.scale;
      surface.style.setProperty("--zoom", String(view.scale));
      surface.classList.toggle("zoomed-out", view.scale < overviewBelow);
    }
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
      moved = true;
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
    moved = true;
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
  const zoomButton = (factor) => () => {
    moved = true;
    zoomAt(factor, ...centre());
  };
  controls.querySelector(".zoom-in").addEventListener("click", zoomButton(BUTTON_STEP));
  controls.querySelector(".zoom-out").addEventListener("click", zoomButton(1 / BUTTON_STEP));

  /** Everything in view, at most at the natural size, above the zoom buttons in the corner. */
  view.fit = () => {
    const [width, height] = contentSize();
    const below = controls.offsetHeight ? controls.offsetHeight + FIT_MARGIN : 0;
    const fit = Math.min(
      (viewport.clientWidth - FIT_MARGIN) / Math.max(width, 1),
      (viewport.clientHeight - below - FIT_MARGIN) / Math.max(height, 1),
    );
    Object.assign(view, { scale: Math.max(MIN_SCALE, Math.min(natural, fit)), x: 0, y: 0 });
    moved = false;
    apply();
  };
  controls.querySelector(".zoom-reset").addEventListener("click", view.fit);
  /** Call when the viewport has just been shown: it fits, unless the person moved it. */
  view.shown = () => {
    if (fitUntilMoved && !moved) view.fit();
  };
  /** Board point (x, y) at the middle of the viewport, at this scale: the person's move. */
  view.centreOn = (x, y, scale) => {
    moved = true;
    view.scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    [view.x, view.y] = centre().map((middle, i) => middle - [x, y][i] * view.scale);
    apply();
  };
  apply();
  /** Board units under a client (screen) point. */
  view.toBoard = (clientX, clientY) => {
    const rect = viewport.getBoundingClientRect();
    return [(clientX - rect.left - view.x) / view.scale, (clientY - rect.top - view.y) / view.scale];
  };
  return view;
}
