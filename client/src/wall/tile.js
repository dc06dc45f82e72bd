// One room on the wall: its board, drawn read only by the tablets' own
// layers (notes, groups, the system map) and scaled to fit its tile, with
// the room's name, prompt, phase, lock, people and counts around it.
import * as Y from "yjs";
import { el } from "../dom.js";
import { noteLayer, orderedNotes } from "../notes.js";
import { clusterLayer } from "../clusters.js";
import { actionLayer } from "../actions.js";
import { mapLayer, FACTOR_W, FACTOR_H, OVERVIEW_BELOW } from "../map.js";
import { outlinePanel } from "../outline.js";
import { keptBadges } from "../keptbadge.js";
import { BoardFeed } from "./feed.js";
import { boundsOf, fitView } from "./layout.js";
import { formatClock, STATE_WORDS, timerNow } from "../console/clock.js";
import { phaseOf, iconOf } from "../console/phases.js";
import { amountWords, itemName, spreadShort } from "../voteitems.js";

const GRID_MAX_SCALE = 1.5;
const FOCUSED_MAX_SCALE = 2;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** The map's layer wants a panel with its lists; the wall shows none of it. */
function hiddenPanel() {
  return el("div", {},
    el("p", { id: "loop-count" }), el("ul", { id: "loop-list" }),
    el("p", { id: "link-count" }), el("ul", { id: "link-list" }));
}

/**
 * One document drawn into fresh surfaces by the tablets' layers; later()
 * runs when what it shows changes. destroy() stops following the document.
 */
function drawing(doc, later) {
  const surface = el("div", { class: "tile-surface" });
  const mapSurface = el("div", { class: "tile-surface tile-map" });
  const notes = doc.getMap("notes");
  const view = { scale: 1, x: 0, y: 0 };
  const mapView = { scale: 1, x: 0, y: 0, centreOn() {} };
  const clusters = clusterLayer({ doc, notes, board: surface, readOnly: true, view });
  const drawn = { doc, notes, surface, mapSurface, view, mapView, showMap: false };
  const map = mapLayer({
    doc, canvas: mapSurface, panel: hiddenPanel(), hint: null, readOnly: true, view: mapView, shown: () => drawn.showMap,
  });
  const noteDrawing = noteLayer({ doc, notes, board: surface, picture: true, view, obstacles: clusters.boxes, onChange: later });
  const actions = actionLayer({ doc, board: surface, picture: true, view, onChange: later });
  doc.getMap("clusters").observeDeep(later);
  doc.getMap("nodes").observeDeep(later);

  return Object.assign(drawn, {
    clusters,
    actions,
    map,
    groupCount() {
      const used = new Set();
      for (const note of notes.values()) if (note instanceof Y.Map && note.get("cluster")) used.add(note.get("cluster"));
      let n = 0;
      for (const [cid, cluster] of doc.getMap("clusters").entries()) if (cluster instanceof Y.Map && used.has(cid)) n += 1;
      return n;
    },
    factorBoxes: () => [...doc.getMap("nodes").values()].filter((f) => f instanceof Y.Map)
      .map((f) => ({ x: f.get("x") || 0, y: f.get("y") || 0, w: FACTOR_W, h: FACTOR_H })),
    destroy() {
      doc.getMap("clusters").unobserveDeep(later);
      doc.getMap("nodes").unobserveDeep(later);
      for (const part of [map, actions, noteDrawing, clusters]) part.destroy();
      surface.remove();
      mapSurface.remove();
    },
  });
}

/**
 * A tile for room `id`; onOpen() fills the screen with it. update(state, people)
 * shows the server's state; tick(now) the timer. `fresh`: a new document for
 * every connection (observers, see feed.js). `where` the tile fills, in words.
 * `words`: the board also as a list for screen readers (the drawing is inert).
 */
export function roomTile({ serverUrl, token, id, onOpen, fresh = false, where = "wall", words = false }) {
  const feed = new BoardFeed({ serverUrl, room: id, token, fresh });

  const name = el("h2", { class: "tile-name", id: `tile-name-${id}` });
  const phase = el("span", { class: "tile-phase" });
  const lock = el("span", { class: "tile-lock", hidden: "" }, "🔒 Locked");
  const spot = el("span", { class: "tile-spot", hidden: "" }, "★ Spotlight");
  const prompt = el("p", { class: "tile-prompt" });
  // A revealed vote's first three, in words the back of the hall can read.
  const results = el("p", { class: "tile-results", hidden: "" });
  let shownResults = null;
  const board = el("div", { class: "tile-board" });
  // Nothing in a tile's board takes the keyboard or a tap: the tile is one button.
  board.inert = true;
  // Notes that stay in the room say so (an observer's state has no such list).
  const kept = keptBadges();
  kept.attach(board, { subtree: true });
  const empty = el("p", { class: "tile-empty", hidden: "" });
  const counts = {
    people: el("span", { class: "count" }),
    notes: el("span", { class: "count" }),
    groups: el("span", { class: "count" }),
    factors: el("span", { class: "count" }),
    actions: el("span", { class: "count", hidden: "" }),
  };
  // With `words`, the board as a list too, for screen readers: the drawing itself is inert.
  const wordsList = el("ul");
  const wordsBox = el("div", { class: "visually-hidden tile-words" }, el("p", { class: "outline-count" }), wordsList);
  wordsBox.hidden = !words;
  const outline = words ? outlinePanel(wordsBox, wordsList) : null;
  const timer = el("span", { class: "tile-timer" });
  const status = el("span", { class: "tile-status", hidden: "" });
  const open = el("button", { type: "button", class: "tile-open", onclick: () => onOpen(id) });
  const node = el("section", { class: "tile", "data-room": id, "aria-labelledby": name.id },
    el("div", { class: "tile-head" }, name, el("span", { class: "tile-badges" }, spot, lock, phase)),
    prompt,
    results,
    el("div", { class: "tile-body" }, board, empty),
    wordsBox,
    el("div", { class: "tile-foot" },
      counts.people, counts.notes, counts.groups, counts.factors, counts.actions, timer, status),
    open);

  let drawn = null; // the feed's document on screen, drawn
  let opens = null; // what the room's phase opens, or null (everything)
  // A board with few notes is drawn larger, to be read from the back of the hall.
  let maxScale = GRID_MAX_SCALE;

  // The board's size comes from its ResizeObserver: reading it here would
  // lay out the whole wall again on every keystroke in any room.
  const size = { width: 0, height: 0 };
  function fit() {
    const { width, height } = size;
    if (!width || !height || !drawn) return;
    const place = (target, boxes, fitted) => {
      Object.assign(fitted, fitView(boundsOf(boxes), width, height, maxScale));
      const transform = `translate(${fitted.x}px, ${fitted.y}px) scale(${fitted.scale})`;
      if (target.style.transform !== transform) target.style.transform = transform;
    };
    if (drawn.showMap) {
      place(drawn.mapSurface, drawn.factorBoxes(), drawn.mapView);
      drawn.mapSurface.style.setProperty("--zoom", String(drawn.mapView.scale));
      drawn.mapSurface.classList.toggle("zoomed-out", drawn.mapView.scale < OVERVIEW_BELOW);
    } else {
      place(drawn.surface, [...drawn.clusters.boxes(), ...drawn.actions.boxes()], drawn.view);
    }
  }

  // Counts and the fit follow the doc at most once a frame.
  let frame = 0;
  function refresh() {
    frame = 0;
    if (!drawn) return;
    const noteCount = orderedNotes(drawn.notes).length;
    const factorCount = drawn.factorBoxes().length;
    const actionCount = drawn.actions.boxes().length;
    // The map shows while the phase opens the map and not the notes, or when there is only a map.
    const wantMap = opens ? opens.includes("map") && !opens.includes("notes") : false;
    const nextMap = factorCount > 0 && (wantMap || noteCount === 0);
    if (nextMap !== drawn.showMap) {
      drawn.showMap = nextMap;
      if (nextMap) drawn.map.show();
    }
    // Each write only when it changes something: any other would lay out the wall again.
    const set = (node, text) => {
      if (node.textContent !== text) node.textContent = text;
    };
    const hide = (node, hidden) => {
      if (node.hidden !== hidden) node.hidden = hidden;
    };
    hide(drawn.surface, drawn.showMap);
    hide(drawn.mapSurface, !drawn.showMap);
    set(counts.notes, `📝 ${plural(noteCount, "note", "notes")}`);
    set(counts.groups, `🗂️ ${plural(drawn.groupCount(), "group", "groups")}`);
    set(counts.factors, `🔁 ${plural(factorCount, "factor", "factors")}`);
    set(counts.actions, `📋 ${plural(actionCount, "action", "actions")}`);
    hide(counts.actions, actionCount === 0);
    hide(empty, noteCount > 0 || factorCount > 0 || actionCount > 0);
    if (shownResults) renderResults();
    if (outline) {
      const ordered = orderedNotes(drawn.notes);
      outline(ordered, drawn.clusters.groups(ordered), new Map(), drawn.actions.ordered());
    }
    set(empty, "No notes yet");
    fit();
  }
  const later = () => {
    if (!frame) frame = requestAnimationFrame(refresh);
  };
  new ResizeObserver(([entry]) => {
    size.width = entry.contentRect.width;
    size.height = entry.contentRect.height;
    later();
  }).observe(board);

  // A fresh feed's next document replaces the old one whole: its drawing too.
  feed.on("doc", (doc) => {
    const next = drawing(doc, later);
    board.replaceChildren(next.surface, next.mapSurface);
    if (drawn) drawn.destroy();
    drawn = next;
    later();
  });
  feed.on("status", ({ status: state }) => {
    status.hidden = state === "connected";
    status.textContent = state === "connecting" ? "Connecting…" : "Reconnecting…";
  });
  feed.on("refused", ({ reason }) => {
    status.hidden = false;
    status.textContent = reason || "This link no longer opens this room.";
  });
  feed.start();

  // People here: from the server's list (a facilitator's or a viewer's;
  // an observer gets none, and then the count is left out).
  let people = null;
  function showPeople() {
    counts.people.hidden = !people;
    if (!people) return;
    const here = people.filter((p) => p.room === id && p.online).length;
    const text = `👥 ${here} here`;
    if (counts.people.textContent !== text) counts.people.textContent = text;
  }

  function update(state, room, list) {
    people = list;
    name.textContent = room.name;
    open.setAttribute("aria-label", `Show ${room.name} on the whole ${where}`);
    const current = room.phase ? phaseOf(state, room.phase) : null;
    phase.textContent = current ? `${iconOf(current.icon)} ${current.title}` : "";
    phase.hidden = !current;
    opens = current ? current.open : null;
    lock.hidden = !room.locked;
    node.classList.toggle("locked", Boolean(room.locked));
    const spotlit = Boolean(state.spotlight && state.spotlight.room === id);
    spot.hidden = !spotlit;
    node.classList.toggle("spotlit", spotlit);
    prompt.textContent = room.prompt || "";
    prompt.hidden = !room.prompt;
    kept.set(room.kept);
    if (shownResults && !(room.vote && room.vote.id === shownResults.vote && room.vote.state === "revealed")) {
      showResults(null);
    }
    showPeople();
    later();
  }

  let shownTimer = true;
  function tick(state, nowMs, alwaysShow) {
    const room = state.rooms[id];
    const now = timerNow(room && room.timer, nowMs);
    shownTimer = alwaysShow && now.state !== "stopped";
    timer.hidden = !shownTimer;
    timer.dataset.state = now.state;
    const text = now.state === "ended" ? "⏱ Time is up"
      : `⏱ ${formatClock(now.left)}${now.state === "paused" ? ` ${STATE_WORDS.paused.toLowerCase()}` : ""}`;
    if (timer.textContent !== text) timer.textContent = text;
  }

  /** A revealed vote's ranking (vote.results), or null to take it away. */
  function showResults(data) {
    shownResults = data;
    renderResults();
    later();
  }

  // Again on every change of the board: the words may come after the results.
  function renderResults() {
    const data = shownResults;
    // On the scale, how the scores spread: a split room shows as a split, not as its mean.
    const amount = (e) => (data.mode === "scale" ? `average ${e.mean}; ${spreadShort(e.spread || [])}`
      : amountWords(data.mode, data.unit, e.total));
    const top = data ? data.ranked.slice(0, 3)
      .map((e) => `${e.rank}. ${drawn ? itemName(drawn.doc, data.items, e.item) : "…"} (${amount(e)})`) : [];
    const text = data ? `🗳️ ${top.length ? top.join(" · ") : "Nobody voted"}` : "";
    if (results.textContent !== text) results.textContent = text;
    if (results.hidden !== !data) results.hidden = !data;
  }

  /** Filling the wall: bigger notes still. */
  function setFocused(focused) {
    maxScale = focused ? FOCUSED_MAX_SCALE : GRID_MAX_SCALE;
    node.classList.toggle("focused", focused);
    open.hidden = focused;
    later();
  }

  function destroy() {
    cancelAnimationFrame(frame);
    kept.destroy();
    if (drawn) drawn.destroy();
    drawn = null;
    feed.destroy();
    node.remove();
  }

  return {
    node, update, tick, setFocused, destroy, open, showResults, feed,
    /** The document on screen (for the browser tests). */
    get doc() {
      return drawn ? drawn.doc : null;
    },
  };
}
