// Notes on the board: rendering, collaborative text, drag and keyboard moves.
import * as Y from "yjs";
import { bindText } from "./textbinding.js";
import { arrowStep, trackDrag } from "./gestures.js";

export const COLORS = ["#ffe066", "#ffb3c1", "#b2f2bb", "#a5d8ff", "#ffd8a8", "#d0bfff"];
export const NOTE_W = 220;
export const NOTE_H = 220;
// Picture notes for people who would rather not write: an emoji and its name,
// which is also what "Read aloud" says.
export const PICTURES = [
  ["🚌", "bus"], ["🏠", "home"], ["🏥", "hospital"], ["💊", "medicine"],
  ["💷", "money"], ["📱", "phone"], ["👪", "family"], ["🧑‍🤝‍🧑", "friends"],
  ["😊", "happy"], ["😟", "worried"], ["😠", "angry"], ["😴", "tired"],
  ["🍎", "food"], ["🚶", "walking"], ["⏰", "waiting"], ["❓", "question"],
];
const PICTURE_NAMES = new Map(PICTURES);

export function speak(text) {
  if (!("speechSynthesis" in window) || !text) return;
  window.speechSynthesis.cancel();
  window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}

function spokenText(note) {
  const text = note.get("text").toString().trim();
  const picture = PICTURE_NAMES.get(note.get("emoji"));
  return [picture, text].filter(Boolean).join(". ");
}
// Others see a drag live, at most this often (ms).
const DRAG_SYNC_MS = 50;

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

function isNote(value) {
  return value instanceof Y.Map && value.get("text") instanceof Y.Text;
}

/** Notes in creation order, as [id, Y.Map] pairs. */
export function orderedNotes(notes) {
  return [...notes.entries()]
    .filter(([, note]) => isNote(note))
    .sort(([a, x], [b, y]) => (x.get("created") || 0) - (y.get("created") || 0) || (a < b ? -1 : 1));
}

export function noteLayer({ doc, notes, board, readOnly, onChange, onDrop, view = { scale: 1 } }) {
  const rendered = new Map();

  function move(note, x, y) {
    doc.transact(() => {
      note.set("x", Math.max(0, Math.round(x)));
      note.set("y", Math.max(0, Math.round(y)));
    });
  }

  function startDrag(event, id, note, node) {
    if (readOnly) return;
    const originX = note.get("x") || 0;
    const originY = note.get("y") || 0;
    let last = 0;
    let pending = null;
    trackDrag(
      event,
      () => view.scale,
      (dx, dy) => {
        const x = originX + dx;
        const y = originY + dy;
        node.style.left = `${Math.max(0, x)}px`;
        node.style.top = `${Math.max(0, y)}px`;
        pending = [x, y];
        const now = performance.now();
        if (now - last >= DRAG_SYNC_MS) {
          last = now;
          move(note, x, y);
          pending = null;
        }
      },
      () => {
        if (pending) move(note, ...pending);
        if (onDrop) onDrop(id, note);
      },
    );
  }

  function onHandleKey(event, note) {
    const delta = arrowStep(event);
    if (delta) move(note, (note.get("x") || 0) + delta[0], (note.get("y") || 0) + delta[1]);
  }

  function create(id, note) {
    const text = el("textarea", {
      class: "note-text",
      "aria-label": "Note text",
      placeholder: readOnly ? "" : note.get("kind") === "emoji" ? "Add words (optional)" : "Write your idea",
    });
    text.readOnly = readOnly;
    const node = el("article", { class: "note", "data-note-id": id });
    const readAloud = el(
      "button",
      { type: "button", class: "icon-button", "aria-label": "Read note aloud",
        onclick: () => speak(spokenText(note)) },
      el("span", { "aria-hidden": "true" }, "🔊"),
      "Read",
    );
    const controls = el("div", { class: "note-controls" }, readAloud);
    const emoji = note.get("emoji");
    const picture = note.get("kind") === "emoji" && PICTURE_NAMES.has(emoji)
      ? el("div", { class: "note-picture", role: "img", "aria-label": PICTURE_NAMES.get(emoji) }, emoji)
      : null;
    if (!readOnly) {
      const handle = el(
        "button",
        {
          type: "button",
          class: "note-handle",
          "aria-label": "Move note",
          "aria-description": "Drag, or use the arrow keys",
          onpointerdown: (event) => startDrag(event, id, note, node),
          onkeydown: (event) => onHandleKey(event, note),
        },
        el("span", { "aria-hidden": "true" }, "✥"),
        "Move",
      );
      const remove = el(
        "button",
        {
          type: "button",
          class: "icon-button",
          "aria-label": "Delete note",
          onclick: () => notes.delete(id),
        },
        el("span", { "aria-hidden": "true" }, "🗑"),
        "Delete",
      );
      controls.append(remove);
      node.append(handle);
    }
    if (picture) node.append(picture);
    node.append(text, controls);
    board.append(node);
    return { node, text, unbind: bindText(note.get("text"), text) };
  }

  function render() {
    const ordered = orderedNotes(notes);
    ordered.forEach(([id, note], index) => {
      let entry = rendered.get(id);
      if (!entry) {
        entry = create(id, note);
        rendered.set(id, entry);
      }
      entry.node.style.left = `${note.get("x") || 0}px`;
      entry.node.style.top = `${note.get("y") || 0}px`;
      entry.node.style.background = note.get("color") || COLORS[0];
      entry.node.setAttribute("aria-label", `Note ${index + 1}`);
    });
    for (const [id, entry] of rendered) {
      if (!isNote(notes.get(id))) {
        entry.unbind();
        entry.node.remove();
        rendered.delete(id);
      }
    }
    onChange(ordered);
  }

  function add(emoji = "") {
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
      note.set("kind", emoji ? "emoji" : "text");
      if (emoji) note.set("emoji", emoji);
      note.set("cluster", "");
      note.set("created", Date.now());
      notes.set(id, note);
    });
    rendered.get(id)?.text.focus();
  }

  notes.observeDeep(render);
  render();
  return { add };
}
