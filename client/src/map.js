// System map: factors, arrows with + or − polarity and an optional delay,
// and the feedback loops they form, found live and labelled R or B.
import { randomId } from "./ids.js";
import * as Y from "yjs";
import { bindText } from "./textbinding.js";
import { el } from "./dom.js";
import { findLoops, MAX_LOOPS } from "./loops.js";
import { arrowStep, liveDrag } from "./gestures.js";
import { extentOf } from "./view.js";
import { announce } from "./notice.js";

export const FACTOR_W = 200;
export const FACTOR_H = 150;
const SVG = "http://www.w3.org/2000/svg";
const KIND_NAMES = { R: "reinforcing", B: "balancing" };
const LOOPS_SHOWN = 30;
// Below this zoom a factor's 64-unit buttons are under 44 screen pixels, so
// each factor becomes one button that zooms in on it (board.css .zoomed-out).
export const OVERVIEW_BELOW = 0.7;
const PLACEHOLDER = "Type a cause or effect";

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}


/**
 * The system map on `canvas`, its arrows and loops listed in `panel`.
 * can(action) says whether "map" may be written now; call applyAccess()
 * when its answer changes.
 */
export function mapLayer({
  doc, canvas, panel, hint, readOnly, view = { scale: 1 }, shown = () => true, can = () => !readOnly,
}) {
  const mayEdit = () => !readOnly && can("map");
  const nodes = doc.getMap("nodes");
  const links = doc.getMap("links");
  const arrows = svg("svg", { class: "map-arrows", "aria-hidden": "true" });
  arrows.append(
    svg("defs", {}),
  );
  const marker = svg("marker", {
    id: "arrowhead", viewBox: "0 0 10 10", refX: "10", refY: "5", markerUnits: "userSpaceOnUse",
    markerWidth: "16", markerHeight: "16", orient: "auto-start-reverse",
  });
  marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }));
  arrows.firstChild.append(marker);
  canvas.append(arrows);
  const rendered = new Map();
  let linkFrom = null;
  let highlighted = null;

  const linkList = panel.querySelector("#link-list");
  const loopList = panel.querySelector("#loop-list");

  function labelOf(id) {
    const node = nodes.get(id);
    const text = node instanceof Y.Map ? node.get("label")?.toString().trim() : "";
    return text || "(unnamed factor)";
  }

  function addFactor() {
    if (!mayEdit()) return;
    const id = randomId();
    const count = nodes.size;
    const factor = new Y.Map();
    doc.transact(() => {
      factor.set("label", new Y.Text());
      factor.set("description", "");
      // Staggered, so that arrows between neighbours do not overlap.
      factor.set("x", 24 + (count % 3) * (FACTOR_W + 80));
      factor.set("y", 24 + Math.floor(count / 3) * (FACTOR_H * 2 + 40) + (count % 2) * (FACTOR_H + 40));
      factor.set("created", Date.now());
      nodes.set(id, factor);
    });
    rendered.get(id)?.label.focus();
  }

  function moveFactor(id, x, y) {
    const factor = nodes.get(id);
    if (!(factor instanceof Y.Map) || !mayEdit()) return;
    doc.transact(() => {
      factor.set("x", Math.max(0, Math.round(x)));
      factor.set("y", Math.max(0, Math.round(y)));
    });
  }

  function startDrag(event, id, box) {
    if (!mayEdit()) return;
    const factor = nodes.get(id);
    liveDrag(
      event,
      () => view.scale,
      [factor.get("x") || 0, factor.get("y") || 0],
      (x, y) => {
        box.style.left = `${x}px`;
        box.style.top = `${y}px`;
      },
      (x, y) => moveFactor(id, x, y),
    );
  }

  function onHandleKey(event, id) {
    const delta = arrowStep(event);
    const factor = nodes.get(id);
    if (delta) moveFactor(id, (factor.get("x") || 0) + delta[0], (factor.get("y") || 0) + delta[1]);
  }

  /** How far the map reaches, in board units, for "Fit". */
  function contentSize() {
    return extentOf([...nodes.values()].filter((factor) => factor instanceof Y.Map), FACTOR_W, FACTOR_H);
  }

  // The next step, said on screen and to screen readers.
  function nextStep(id) {
    return `Arrow from ${labelOf(id)}. Now tap ‘Arrow to here’ on the factor it leads to, or ‘Cancel arrow’.`;
  }

  function chooseEnd(id) {
    if (!mayEdit()) return;
    if (linkFrom === null) {
      linkFrom = id;
      announce(nextStep(id));
    } else if (linkFrom !== id) {
      announce(`Arrow made from ${labelOf(linkFrom)} to ${labelOf(id)}.`);
      const link = new Y.Map();
      doc.transact(() => {
        link.set("from", linkFrom);
        link.set("to", id);
        link.set("polarity", "+");
        link.set("delay", false);
        link.set("label", "");
        link.set("created", Date.now());
        links.set(randomId(), link);
      });
      linkFrom = null;
    } else {
      linkFrom = null;
      announce("Arrow cancelled.");
    }
    renderFactors();
    renderHint();
  }

  // The first hint on an empty map, or the next step while making an arrow.
  function renderHint() {
    if (!hint) return;
    let icon = "";
    let text = "";
    if (linkFrom !== null) {
      [icon, text] = ["➝", nextStep(linkFrom)];
    } else if (nodes.size === 0) {
      [icon, text] = !mayEdit()
        ? ["🔁", "No factors yet: the map appears here as people make it"]
        : ["➕", "Tap Add factor to write a cause or an effect"];
    }
    hint.hidden = !text;
    if (text && hint.textContent !== `${icon} ${text}`) {
      hint.replaceChildren(el("span", { "aria-hidden": "true" }, icon), ` ${text}`);
    }
  }

  /** Zoomed far out, a factor is one button: it zooms in on the factor to edit it. */
  function zoomInOn(id) {
    const [x, y] = centre(id);
    view.centreOn(x, y, 1);
    rendered.get(id)?.label.focus({ preventScroll: true });
  }

  function renderFactors() {
    if (linkFrom !== null && !nodes.has(linkFrom)) linkFrom = null;
    for (const [id, factor] of nodes.entries()) {
      if (!(factor instanceof Y.Map) || !(factor.get("label") instanceof Y.Text)) continue;
      let entry = rendered.get(id);
      if (!entry) {
        const label = el("textarea", {
          class: "factor-label", "aria-label": "Factor name", placeholder: readOnly ? "" : PLACEHOLDER,
        });
        label.readOnly = !mayEdit();
        const box = el("article", { class: "factor", "data-factor-id": id });
        const overview = el("button", { type: "button", class: "factor-overview", onclick: () => zoomInOn(id) });
        box.append(overview);
        let arrow = null;
        let handle = null;
        if (!readOnly) {
          handle = el(
            "button",
            {
              type: "button",
              class: "note-handle",
              "aria-label": "Move factor",
              "aria-description": "Drag, or use the arrow keys",
              onpointerdown: (event) => startDrag(event, id, box),
              onkeydown: (event) => onHandleKey(event, id),
            },
            el("span", { "aria-hidden": "true" }, "✥"),
            "Move",
          );
          box.append(handle);
        }
        if (!readOnly) {
          arrow = el("button", { type: "button", class: "icon-button factor-arrow", onclick: () => chooseEnd(id) });
          box.append(arrow);
        }
        box.append(label);
        canvas.append(box);
        entry = { box, label, arrow, handle, overview, unbind: bindText(factor.get("label"), label) };
        rendered.set(id, entry);
        showFactorAccess(entry);
      }
      entry.box.style.left = `${factor.get("x") || 0}px`;
      entry.box.style.top = `${factor.get("y") || 0}px`;
      const name = labelOf(id);
      if (entry.overview.textContent !== name) {
        entry.overview.textContent = name;
        entry.overview.setAttribute("aria-label", `${name}: ${readOnly ? "zoom in" : "zoom in to edit"}`);
      }
      if (entry.arrow) {
        const text = linkFrom === null ? "Arrow from here" : linkFrom === id ? "Cancel arrow" : "Arrow to here";
        const arrowName = `${text}: ${name}`;
        if (entry.arrow.getAttribute("aria-label") !== arrowName) {
          entry.arrow.replaceChildren(el("span", { "aria-hidden": "true" }, "➝"), text);
          entry.arrow.setAttribute("aria-label", arrowName);
        }
      }
      entry.box.classList.toggle("linking", linkFrom === id);
    }
    for (const [id, entry] of rendered) {
      if (!nodes.has(id)) {
        entry.unbind();
        entry.box.remove();
        rendered.delete(id);
      }
    }
  }

  function validLinks() {
    const out = [];
    for (const [id, link] of links.entries()) {
      if (!(link instanceof Y.Map)) continue;
      const from = link.get("from");
      const to = link.get("to");
      if (!nodes.has(from) || !nodes.has(to)) continue;
      out.push({ id, from, to, polarity: link.get("polarity") === "-" ? "-" : "+",
                 delay: Boolean(link.get("delay")), label: String(link.get("label") || "").slice(0, 60) });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  function centre(id) {
    const node = nodes.get(id);
    return [(node.get("x") || 0) + FACTOR_W / 2, (node.get("y") || 0) + FACTOR_H / 2];
  }

  // Arrows and their list entries are kept per link and updated in place, so
  // a focused button or label field survives every change, and a big map
  // does not rebuild hundreds of nodes on each keystroke.
  const linkViews = new Map();

  function linkView(id) {
    const group = svg("g", { class: "arrow" });
    const path = svg("path", { "marker-end": "url(#arrowhead)" });
    const mark = svg("text", { "text-anchor": "middle" });
    // Below the mark by its own size, which grows as the map zooms out.
    const caption = svg("text", { "text-anchor": "middle", class: "arrow-label", dy: "1.2em" });
    group.append(path, mark, caption);
    arrows.append(group);
    const text = el("span", { class: "link-text" });
    const item = el("li", {}, text);
    const view = { group, path, mark, caption, item, text };
    if (!readOnly) {
      const yLink = () => links.get(id);
      const edit = (fn) => () => {
        if (mayEdit()) fn();
      };
      view.polarity = el("button", {
        type: "button", class: "icon-button",
        onclick: edit(() => yLink().set("polarity", yLink().get("polarity") === "-" ? "+" : "-")),
      });
      view.delay = el("button", {
        type: "button", class: "icon-button",
        onclick: edit(() => yLink().set("delay", !yLink().get("delay"))),
      });
      view.remove = el("button", {
        type: "button", class: "icon-button", onclick: edit(() => links.delete(id)),
      }, el("span", { "aria-hidden": "true" }, "🗑"), "Delete");
      view.label = el("input", { class: "link-label", placeholder: "Label (optional)", maxlength: "60" });
      view.label.addEventListener("input", () => {
        if (mayEdit()) yLink().set("label", view.label.value);
      });
      view.controls = el("div", { class: "link-controls" }, view.polarity, view.delay, view.remove);
      item.append(view.controls, view.label);
      showLinkAccess(view);
    }
    return view;
  }

  function renderLinks(current, loops) {
    const inLoop = new Set(highlighted === null ? [] : loops[highlighted]?.links || []);
    const seen = new Set();
    for (const link of current) {
      seen.add(link.id);
      let view = linkViews.get(link.id);
      if (!view) {
        view = linkView(link.id);
        linkViews.set(link.id, view);
      }
      const [x1, y1] = centre(link.from);
      const [x2, y2] = centre(link.to);
      const dx = x2 - x1;
      const dy = y2 - y1;
      const length = Math.hypot(dx, dy) || 1;
      // Bend every arrow to its right, so A→B and B→A stay apart.
      const cx = (x1 + x2) / 2 - (dy / length) * 40;
      const cy = (y1 + y2) / 2 + (dx / length) * 40;
      // Stop at the target box's edge so the arrowhead stays visible.
      const ex = x2 - cx;
      const ey = y2 - cy;
      const scale = Math.min(
        Math.abs(ex) > 0 ? FACTOR_W / 2 / Math.abs(ex) : Infinity,
        Math.abs(ey) > 0 ? FACTOR_H / 2 / Math.abs(ey) : Infinity,
        1,
      );
      // Nothing to do for an arrow whose ends, marks and names are as drawn.
      const key = [x1, y1, x2, y2, link.polarity, link.delay, link.label, inLoop.has(link.id),
        labelOf(link.from), labelOf(link.to)].join("\u0000");
      if (view.key === key) continue;
      view.key = key;
      view.group.classList.toggle("highlight", inLoop.has(link.id));
      view.path.setAttribute("d", `M ${x1} ${y1} Q ${cx} ${cy} ${x2 - ex * scale} ${y2 - ey * scale}`);
      const sign = link.polarity === "-" ? "−" : "+";
      for (const node of [view.mark, view.caption]) {
        node.setAttribute("x", cx);
        node.setAttribute("y", cy);
      }
      view.mark.textContent = `${sign}${link.delay ? " ||" : ""}`;
      view.caption.textContent = link.label;

      const ends = `${labelOf(link.from)} to ${labelOf(link.to)}`;
      view.text.textContent = `${labelOf(link.from)} → ${labelOf(link.to)} (${sign})${link.delay ? ", with a delay" : ""}${link.label ? `: ${link.label}` : ""}`;
      if (view.polarity) {
        view.polarity.textContent = link.polarity === "-" ? "Make +" : "Make −";
        view.polarity.setAttribute("aria-label", `Make ${link.polarity === "-" ? "positive" : "negative"}: ${ends}`);
        view.delay.textContent = link.delay ? "No delay" : "Delay";
        view.delay.setAttribute("aria-label", `${link.delay ? "Remove delay" : "Mark delay"}: ${ends}`);
        view.remove.setAttribute("aria-label", `Delete arrow: ${ends}`);
        view.label.setAttribute("aria-label", `Label: ${ends}`);
        if (view.label.value !== link.label && document.activeElement !== view.label) {
          view.label.value = link.label;
        }
      }
    }
    panel.querySelector("#link-count").textContent = current.length === 0 ? "No arrows yet"
      : `${current.length} ${current.length === 1 ? "arrow" : "arrows"}`;
    for (const [id, view] of linkViews) {
      if (!seen.has(id)) {
        view.group.remove();
        view.item.remove();
        linkViews.delete(id);
      }
    }
    // Keep the list in the links' order without touching entries in place.
    current.forEach((link, index) => {
      const item = linkViews.get(link.id).item;
      if (linkList.children[index] !== item) linkList.insertBefore(item, linkList.children[index] || null);
    });
  }

  // The list shows the shortest loops first; a big map's hundreds more are
  // one button away. It is rebuilt only when what it shows changes.
  let showAllLoops = false;
  let shownLoops = "";
  // A loop reads from its oldest factor, as people built it: ids are random.
  function fromFirstMade(factors) {
    const made = (id) => nodes.get(id)?.get?.("created") || 0;
    let first = 0;
    factors.forEach((id, index) => {
      const best = factors[first];
      if (made(id) < made(best) || (made(id) === made(best) && id < best)) first = index;
    });
    return [...factors.slice(first), ...factors.slice(0, first)];
  }

  function renderLoops(loops) {
    const counters = { R: 0, B: 0 };
    const texts = loops.map((loop) => {
      counters[loop.kind] += 1;
      const path = [...fromFirstMade(loop.factors), ...fromFirstMade(loop.factors).slice(0, 1)]
        .map(labelOf).join(" → ");
      return `${loop.kind}${counters[loop.kind]} (${KIND_NAMES[loop.kind]}${loop.delayed ? ", with a delay" : ""}): ${path}`;
    });
    const visible = showAllLoops ? texts : texts.slice(0, LOOPS_SHOWN);
    const key = JSON.stringify([visible, highlighted, texts.length]);
    if (key === shownLoops) return;
    shownLoops = key;
    const items = visible.map((text, index) => el("li", {}, el("button", {
      type: "button",
      class: `loop-button${highlighted === index ? " highlight" : ""}`,
      "aria-pressed": String(highlighted === index),
      "data-loop-kind": loops[index].kind,
      onclick: () => { highlighted = highlighted === index ? null : index; render(); },
    }, text)));
    if (texts.length > LOOPS_SHOWN) {
      items.push(el("li", {}, el("button", {
        type: "button", class: "big-button secondary",
        onclick: () => { showAllLoops = !showAllLoops; render(); },
      }, showAllLoops ? "Show fewer loops" : `Show all ${texts.length} loops`)));
    }
    // A rebuilt list keeps the keyboard where it was.
    const focused = [...loopList.querySelectorAll("button")].indexOf(document.activeElement);
    loopList.replaceChildren(...items);
    if (focused >= 0) loopList.querySelectorAll("button")[focused]?.focus();
    panel.querySelector("#loop-count").textContent =
      loops.length === 0 ? "No loops yet"
        : loops.length >= MAX_LOOPS ? `More than ${MAX_LOOPS} loops: the shortest are listed`
          : `${loops.length} ${loops.length === 1 ? "loop" : "loops"}`;
  }

  // Loops depend only on the arrows, so typing a factor's name reuses them.
  let loopsKey = "";
  let cachedLoops = [];
  function loopsOf(current) {
    const key = current.map((l) => `${l.id} ${l.from} ${l.to} ${l.polarity} ${l.delay}`).join("\n");
    if (key !== loopsKey) {
      loopsKey = key;
      cachedLoops = findLoops(current);
    }
    return cachedLoops;
  }

  // While the map is hidden, changes only mark it stale: a tablet on the
  // notes board does not redraw a map nobody sees.
  let stale = false;
  function render() {
    if (!shown()) {
      stale = true;
      return;
    }
    stale = false;
    renderFactors();
    const current = validLinks();
    const loops = loopsOf(current);
    if (highlighted !== null && highlighted >= loops.length) highlighted = null;
    renderLinks(current, loops);
    renderLoops(loops);
    renderHint();
  }

  function showFactorAccess(entry) {
    const open = mayEdit();
    entry.label.readOnly = !open;
    entry.label.placeholder = open ? PLACEHOLDER : "";
    if (entry.handle) entry.handle.hidden = !open;
    if (entry.arrow) entry.arrow.hidden = !open;
    entry.box.classList.toggle("view-only", !open);
  }

  function showLinkAccess(view) {
    const open = mayEdit();
    view.controls.hidden = !open;
    view.label.hidden = !open;
  }

  /** Show and allow what can("map") opens now. */
  function applyAccess() {
    if (!mayEdit() && linkFrom !== null) linkFrom = null;
    for (const entry of rendered.values()) showFactorAccess(entry);
    for (const view of linkViews.values()) if (view.controls) showLinkAccess(view);
    renderHint();
    renderFactors();
  }

  /** Stop following the document and take the map off the canvas. */
  function destroy() {
    nodes.unobserveDeep(render);
    links.unobserveDeep(render);
    for (const entry of rendered.values()) entry.unbind();
    rendered.clear();
    linkViews.clear();
    canvas.replaceChildren();
  }

  nodes.observeDeep(render);
  links.observeDeep(render);
  render();
  /** Call when the map is shown: it catches up with what changed meanwhile, and fits. */
  function show() {
    if (stale) render();
    view.shown?.();
  }

  return { addFactor, contentSize, show, applyAccess, destroy };
}
