// The tablet board: notes with collaborative text, moved by drag or keys,
// live for everyone in the room, with the connection state always visible.
// Edits made offline are kept on the device (IndexedDB) and merge on
// reconnect. The same page serves the read-only viewer role.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { IndexeddbPersistence } from "y-indexeddb";
import { noteLayer } from "./notes.js";
import { outlinePanel } from "./outline.js";
import { mapLayer } from "./map.js";

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
  connectionStatus(provider);

  const outline = document.getElementById("outline");
  const updateOutline = outlinePanel(outline, document.getElementById("outline-list"));
  const count = document.getElementById("note-count");
  const layer = noteLayer({
    doc,
    notes: doc.getMap("notes"),
    board: document.getElementById("board"),
    readOnly,
    onChange(ordered) {
      count.textContent = `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}`;
      updateOutline(ordered);
    },
  });

  const map = mapLayer({
    doc,
    canvas: document.getElementById("map-canvas"),
    panel: document.getElementById("map-panel"),
    readOnly,
  });

  const add = document.getElementById("add-note");
  const addFactor = document.getElementById("add-factor");
  if (readOnly) {
    add.remove();
    addFactor.remove();
  } else {
    add.addEventListener("click", layer.add);
    addFactor.addEventListener("click", map.addFactor);
  }

  const mode = document.getElementById("mode-toggle");
  mode.addEventListener("click", () => {
    const toMap = mode.getAttribute("aria-pressed") !== "true";
    mode.setAttribute("aria-pressed", String(toMap));
    mode.lastChild.textContent = toMap ? " Notes" : " System map";
    document.getElementById("board").hidden = toMap;
    document.getElementById("map").hidden = !toMap;
    add.hidden = toMap;
    addFactor.hidden = !toMap;
  });

  const toggle = document.getElementById("outline-toggle");
  toggle.addEventListener("click", () => {
    const open = outline.hidden;
    outline.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  });

  window.board = { doc, provider, local };
}

start();
