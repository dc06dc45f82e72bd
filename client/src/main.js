// The tablet board: notes with collaborative text, live for everyone in the
// room, with the connection state always visible. The same page serves the
// read-only viewer role (no editing controls, no writes).
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { bindText } from "./textbinding.js";

const COLORS = ["#ffe066", "#ffb3c1", "#b2f2bb", "#a5d8ff", "#ffd8a8", "#d0bfff"];
const NOTE_W = 220;
const NOTE_H = 180;
const LOCAL = Symbol("local typing");

function readSession() {
  // A viewer link carries everything in the fragment, which never reaches
  // server logs: /board#workshop=ID&room=r1&token=T&role=viewer
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("token")) {
    return {
      token: hash.get("token"),
      workshop: { id: hash.get("workshop"), title: "" },
      room: { id: hash.get("room"), name: hash.get("room") },
      role: hash.get("role") || "viewer",
    };
  }
  try {
    return JSON.parse(localStorage.getItem("board.session") || "null");
  } catch (err) {
    return null;
  }
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

const STATUS_TEXT = {
  connected: "Online",
  connecting: "Connecting…",
  disconnected: "Reconnecting…",
  offline: "Offline: your changes are kept",
};

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
  const notes = doc.getMap("notes");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const provider = new WebsocketProvider(
    `${scheme}://${location.host}/ws/${session.workshop.id}`,
    session.room.id,
    doc,
    { params: { token: session.token } },
  );

  const status = document.getElementById("connection");
  const showStatus = (state) => {
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
  };
  showStatus("connecting");
  provider.on("status", ({ status: state }) => showStatus(navigator.onLine ? state : "offline"));
  window.addEventListener("offline", () => showStatus("offline"));
  provider.on("connection-close", (event) => {
    if (event && event.code >= 4400 && event.code < 4500) {
      status.dataset.state = "refused";
      status.textContent = `${event.reason || "This link no longer works."} Join again.`;
      localStorage.removeItem("board.session");
    }
  });

  const board = document.getElementById("board");
  const rendered = new Map();

  function renderNote(id, note) {
    let entry = rendered.get(id);
    if (!entry) {
      const text = el("textarea", {
        class: "note-text",
        "aria-label": "Note text",
        placeholder: readOnly ? "" : "Write your idea",
      });
      text.readOnly = readOnly;
      const controls = el("div", { class: "note-controls" });
      if (!readOnly) {
        controls.append(
          el(
            "button",
            {
              type: "button",
              class: "icon-button",
              "aria-label": "Delete note",
              onclick: () => notes.delete(id),
            },
            el("span", { "aria-hidden": "true" }, "🗑"),
            "Delete",
          ),
        );
      }
      const node = el("article", { class: "note", "data-note-id": id }, text, controls);
      board.append(node);
      entry = { node, unbind: bindText(note.get("text"), text, LOCAL) };
      rendered.set(id, entry);
    }
    entry.node.style.left = `${note.get("x") || 0}px`;
    entry.node.style.top = `${note.get("y") || 0}px`;
    entry.node.style.background = note.get("color") || COLORS[0];
  }

  function render() {
    let index = 0;
    for (const [id, note] of notes.entries()) {
      if (note instanceof Y.Map && note.get("text") instanceof Y.Text) {
        renderNote(id, note);
        rendered.get(id).node.setAttribute("aria-label", `Note ${++index}`);
      }
    }
    for (const [id, entry] of rendered) {
      if (!notes.has(id)) {
        entry.unbind();
        entry.node.remove();
        rendered.delete(id);
      }
    }
    document.getElementById("note-count").textContent =
      `${index} ${index === 1 ? "note" : "notes"}`;
  }
  notes.observeDeep(render);
  render();

  function addNote() {
    const id = `${doc.clientID.toString(36)}-${Date.now().toString(36)}`;
    const count = notes.size;
    const columns = Math.max(1, Math.floor((board.clientWidth - 16) / (NOTE_W + 16)));
    const note = new Y.Map();
    doc.transact(() => {
      note.set("text", new Y.Text());
      note.set("x", 16 + (count % columns) * (NOTE_W + 16));
      note.set("y", 16 + Math.floor(count / columns) * (NOTE_H + 16));
      // Random colours, so that colour does not give away who wrote a note.
      note.set("color", COLORS[Math.floor(Math.random() * COLORS.length)]);
      note.set("kind", "text");
      note.set("cluster", "");
      note.set("created", Date.now());
      notes.set(id, note);
    });
    rendered.get(id)?.node.querySelector("textarea").focus();
  }
  const add = document.getElementById("add-note");
  if (readOnly) add.remove();
  else add.addEventListener("click", addNote);

  window.board = { doc, provider };
}

start();
