// The tablet board: notes with collaborative text, moved by drag or keys,
// live for everyone in the room, with the connection state always visible.
// Edits made offline are kept on the device (IndexedDB) and merge on
// reconnect. The same page serves the read-only viewer role.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { IndexeddbPersistence } from "y-indexeddb";
import { noteLayer } from "./notes.js";
import { outlinePanel } from "./outline.js";
import { mapLayer, OVERVIEW_BELOW } from "./map.js";
import { clusterLayer } from "./clusters.js";
import { boardView } from "./view.js";
import { LOCAL_ORIGIN } from "./textbinding.js";
import { el } from "./dom.js";
import { PICTURES, notesSize } from "./notes.js";
import { sketchPad } from "./sketch.js";
import { cursorLayer } from "./cursors.js";
import { leaveButton } from "./leave.js";
import { announce, toastButton } from "./notice.js";
import { moreMenu } from "./moremenu.js";
import { hiddenNotesButton } from "./hidden.js";

function readSession() {
  // A viewer link carries everything in the fragment, which never reaches
  // server logs: /board#workshop=ID&room=r1&token=T&role=viewer
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("token")) {
    return {
      token: hash.get("token"),
      workshop: { id: hash.get("workshop"), title: "" },
      room: { id: hash.get("room"), name: hash.get("name") || hash.get("room") },
      role: hash.get("role") || "viewer",
    };
  }
  try {
    return JSON.parse(localStorage.getItem("board.session") || "null");
  } catch (err) {
    return null;
  }
}

const STATUS_TEXT = {
  connected: "Online",
  connecting: "Connecting…",
  disconnected: "Reconnecting…",
  offline: "Offline: your changes are kept",
};

function connectionStatus(provider) {
  const status = document.getElementById("connection");
  const show = (state) => {
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
  };
  show("connecting");
  provider.on("status", ({ status: state }) => show(navigator.onLine ? state : "offline"));
  window.addEventListener("offline", () => show("offline"));
  window.addEventListener("online", () => show(provider.wsconnected ? "connected" : "connecting"));
  provider.on("connection-close", (event) => {
    if (event && event.code >= 4400 && event.code < 4500) {
      // y-websocket stops retrying on these: the link itself is bad.
      status.dataset.state = "refused";
      status.textContent = `${event.reason || "This link no longer works."} Join again.`;
      localStorage.removeItem("board.session");
    }
  });
}

// "Add picture": a grid of big picture buttons; choosing one adds a note.
function picturePicker(button, onChoose) {
  const dialog = document.getElementById("pictures");
  const grid = dialog.querySelector(".picture-grid");
  grid.replaceChildren(
    ...PICTURES.map(([emoji, name]) =>
      el("button", {
        type: "button",
        class: "picture-button",
        "aria-label": name,
        onclick: () => {
          dialog.close();
          onChoose({ emoji });
        },
      }, el("span", { "aria-hidden": "true" }, emoji), name),
    ),
  );
  button.addEventListener("click", () => dialog.showModal());
  dialog.querySelector(".close").addEventListener("click", () => dialog.close());
}

// High contrast: kept on this device.
function contrastToggle() {
  const toggle = document.getElementById("contrast");
  const apply = (on) => {
    document.body.classList.toggle("contrast", on);
    toggle.setAttribute("aria-pressed", String(on));
  };
  apply(localStorage.getItem("board.contrast") === "on");
  toggle.addEventListener("click", () => {
    const on = !document.body.classList.contains("contrast");
    localStorage.setItem("board.contrast", on ? "on" : "off");
    apply(on);
  });
}

// Undo and redo this device's own changes only, never someone else's.
function undoButtons(doc) {
  const undo = new Y.UndoManager(
    [doc.getMap("notes"), doc.getMap("clusters"), doc.getMap("nodes"), doc.getMap("links")],
    { trackedOrigins: new Set([null, LOCAL_ORIGIN]), captureTimeout: 500 },
  );
  const undoButton = document.getElementById("undo");
  const redoButton = document.getElementById("redo");
  const refresh = () => {
    undoButton.disabled = undo.undoStack.length === 0;
    redoButton.disabled = undo.redoStack.length === 0;
  };
  // Each button press (add, delete, an arrow, a drag's start) is its own
  // undo step; only typing merges within the capture timeout.
  const newStep = (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (button && button !== undoButton && button !== redoButton) undo.stopCapturing();
  };
  document.addEventListener("pointerdown", newStep, true);
  document.addEventListener("click", newStep, true);
  undoButton.addEventListener("click", () => undo.undo());
  redoButton.addEventListener("click", () => undo.redo());
  for (const event of ["stack-item-added", "stack-item-popped", "stack-cleared"]) {
    undo.on(event, refresh);
  }
  document.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== "z") return;
    if (event.target instanceof HTMLTextAreaElement) return; // the field's own undo
    event.preventDefault();
    if (event.shiftKey) undo.redo();
    else undo.undo();
  });
  refresh();
}

// Who is here: the names people joined with, never tied to what they wrote.
function presence(provider, session, readOnly) {
  const list = document.getElementById("presence");
  if (!readOnly && session.participant) {
    provider.awareness.setLocalStateField("user", { name: session.participant.name });
  }
  let shown = null;
  const render = () => {
    const names = [];
    for (const state of provider.awareness.getStates().values()) {
      if (state.user && typeof state.user.name === "string") names.push(state.user.name);
    }
    names.sort((a, b) => a.localeCompare(b));
    // Pointers change awareness many times a second; the list rarely changes.
    const key = JSON.stringify(names);
    if (key === shown) return;
    shown = key;
    list.replaceChildren(
      el("span", { class: "presence-count" }, `${names.length} here`),
      ...names.map((name) => el("span", { class: "presence-name" }, name)),
    );
  };
  provider.awareness.on("change", render);
  render();
}

// The first hint on an empty board: what to do, or, for a viewer, what to expect.
function boardHint(readOnly) {
  const hint = document.getElementById("board-hint");
  hint.replaceChildren(
    el("span", { "aria-hidden": "true" }, readOnly ? "📝" : "➕"),
    readOnly ? " No notes yet: ideas appear here as people add them" : " Tap Add note to write your first idea",
  );
  return (count) => {
    hint.hidden = count > 0;
  };
}

function start() {
  const session = readSession();
  if (!session) {
    location.replace("/join");
    return;
  }
  const readOnly = session.role === "viewer" || session.role === "observer";
  document.body.classList.toggle("read-only", readOnly);
  document.getElementById("room-name").textContent = session.room.name;
  document.getElementById("workshop-title").textContent = session.workshop.title || "";

  const doc = new Y.Doc();
  const key = `board:${session.workshop.id}:${session.room.id}`;
  const local = readOnly ? null : new IndexeddbPersistence(key, doc);
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const provider = new WebsocketProvider(
    `${scheme}://${location.host}/ws/${session.workshop.id}`,
    session.room.id,
    doc,
    { params: { token: session.token } },
  );
  // A read-only page announces no presence (the server would drop it anyway).
  if (readOnly) provider.awareness.setLocalState(null);
  connectionStatus(provider);

  const outline = document.getElementById("outline");
  const updateOutline = outlinePanel(outline, document.getElementById("outline-list"));
  const count = document.getElementById("note-count");
  const showBoardHint = boardHint(readOnly);
  showBoardHint(doc.getMap("notes").size);
  const boardEl = document.getElementById("surface");
  const view = boardView(
    document.getElementById("board"),
    boardEl,
    document.getElementById("zoom-controls"),
    () => notesSize(doc.getMap("notes")),
  );
  const clusters = clusterLayer({
    doc, notes: doc.getMap("notes"), board: boardEl, readOnly, view, say: announce,
  });
  // The buttons that float over the board, in board units: a new note is
  // never left under them.
  const floating = [document.getElementById("zoom-controls"), document.getElementById("show-hidden")];
  const floatingBoxes = () => floating.filter((node) => node.checkVisibility()).map((node) => {
    const box = node.getBoundingClientRect();
    const [left, top] = view.toBoard(box.left, box.top).map(Math.floor);
    const [right, bottom] = view.toBoard(box.right, box.bottom).map(Math.ceil);
    return { x: left, y: top, w: right - left, h: bottom - top };
  });
  // The outline is rebuilt only while it is open, at most once a frame.
  let latest = [];
  let outlineFrame = 0;
  const refreshOutline = () => {
    if (outline.hidden || outlineFrame) return;
    outlineFrame = requestAnimationFrame(() => {
      outlineFrame = 0;
      updateOutline(latest, clusters.groups(latest), hiddenNotes.current());
    });
  };
  doc.getMap("clusters").observeDeep(refreshOutline);
  const layer = noteLayer({
    doc,
    notes: doc.getMap("notes"),
    board: boardEl,
    readOnly,
    onDrop: (id, note, byKeyboard = false) =>
      announce(clusters.dropNote(id, note) || (byKeyboard ? "Not over a note or a group" : "")),
    view,
    obstacles: clusters.boxes,
    floating: floatingBoxes,
    onChange(ordered, { content }) {
      latest = ordered;
      count.textContent = `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}`;
      showBoardHint(ordered.length);
      if (content) refreshOutline();
    },
  });
  const hiddenNotes = hiddenNotesButton({
    doc,
    button: document.getElementById("show-hidden"),
    clusters,
    readOnly,
    onChange: refreshOutline,
    say: announce,
  });

  const mapSurface = document.getElementById("map-surface");
  let map = null;
  const mapView = boardView(
    document.getElementById("map-canvas"),
    mapSurface,
    document.getElementById("map-zoom"),
    () => map.contentSize(),
    { fitUntilMoved: true, overviewBelow: OVERVIEW_BELOW, scaledText: true },
  );
  map = mapLayer({
    doc,
    canvas: mapSurface,
    panel: document.getElementById("map-panel"),
    hint: document.getElementById("map-hint"),
    readOnly,
    view: mapView,
    shown: () => !document.getElementById("map").hidden,
  });

  const add = document.getElementById("add-note");
  const addFactor = document.getElementById("add-factor");
  const addPicture = document.getElementById("add-picture");
  const addSketch = document.getElementById("add-sketch");
  const tidy = document.getElementById("tidy");
  if (readOnly) {
    for (const button of [add, addFactor, addPicture, addSketch, tidy]) button.remove();
  } else {
    tidy.addEventListener("click", clusters.tidy);
    add.addEventListener("click", () => layer.add());
    addFactor.addEventListener("click", map.addFactor);
    picturePicker(addPicture, layer.add);
    const openPad = sketchPad(document.getElementById("sketch"), (strokes) => layer.add({ strokes }));
    addSketch.addEventListener("click", openPad);
  }

  if (readOnly) {
    document.getElementById("undo").remove();
    document.getElementById("redo").remove();
  } else {
    undoButtons(doc);
  }
  presence(provider, session, readOnly);
  cursorLayer(
    provider.awareness,
    {
      notes: { viewport: document.getElementById("board"), surface: boardEl, view },
      map: { viewport: document.getElementById("map-canvas"), surface: mapSurface, view: mapView },
    },
    readOnly,
  );
  contrastToggle();
  leaveButton(session, provider, local, readOnly);

  moreMenu();
  toastButton();

  // Notes or map. The button says where it goes; the map's own buttons take
  // the notes' slot (body[data-mode] in board.css), so no other button moves.
  const mode = document.getElementById("mode-toggle");
  const modeLabel = mode.querySelector(".swap");
  mode.addEventListener("click", () => {
    const toMap = document.body.dataset.mode !== "map";
    const label = toMap ? "Notes" : "System map";
    modeLabel.dataset.other = modeLabel.textContent;
    modeLabel.textContent = label;
    mode.setAttribute("aria-label", label);
    document.body.dataset.mode = toMap ? "map" : "notes";
    document.getElementById("board-area").hidden = toMap;
    document.getElementById("map").hidden = !toMap;
    if (toMap) map.show();
  });

  const toggle = document.getElementById("outline-toggle");
  const showOutline = (open) => {
    outline.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) refreshOutline();
  };
  toggle.addEventListener("click", () => showOutline(outline.hidden));
  const closeOutline = () => {
    showOutline(false);
    // The toggle may be behind "More"; then the focus goes there.
    const more = document.getElementById("more");
    (toggle.checkVisibility() ? toggle : more).focus();
  };
  outline.querySelector(".close-panel").addEventListener("click", closeOutline);
  outline.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeOutline();
  });

  // For the browser tests and the browser benchmark: the live doc and Yjs itself.
  window.board = { doc, provider, local, Y };
}

start();
