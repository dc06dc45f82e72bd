// Notes on the board: rendering, collaborative text, drag and keyboard moves.
import * as Y from "yjs";
import { bindText } from "./textbinding.js";
import { el } from "./dom.js";
import { extentOf } from "./view.js";
import { arrowStep, liveDrag } from "./gestures.js";

// Note colours and their names (for the colour picker's buttons).
export const COLOR_NAMES = [
  ["#ffe066", "Yellow"], ["#ffb3c1", "Pink"], ["#b2f2bb", "Green"],
  ["#a5d8ff", "Blue"], ["#ffd8a8", "Orange"], ["#d0bfff", "Purple"],
];
export const COLORS = COLOR_NAMES.map(([color]) => color);
export const NOTE_W = 220;
export const NOTE_H = 220;
// Sketch notes are drawn in a box of these board units, above their words.
export const SKETCH_W = 220;
export const SKETCH_H = 110;
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

/** What a picture or sketch note shows, in words ("bus", "drawing"), or "". */
export function pictureName(note) {
  if (note.get("kind") === "sketch") return "drawing";
  if (note.get("kind") === "emoji") return PICTURE_NAMES.get(note.get("emoji")) || "picture";
  return "";
}

function spokenText(note) {
  return [pictureName(note), note.get("text").toString().trim()].filter(Boolean).join(". ");
}

const SVG = "http://www.w3.org/2000/svg";
const SAFE_COLOR = /^#[0-9a-f]{3,8}$/i;

/** A sketch's strokes as checked {points, color, width}; a peer may send anything. */
export function sketchStrokes(value) {
  if (!Array.isArray(value)) return [];
  return value.flatMap((stroke) => {
    const points = stroke && Array.isArray(stroke.points) ? stroke.points : [];
    if (points.length < 2 || !points.every(Number.isFinite)) return [];
    const width = Number.isFinite(stroke.width) ? Math.min(20, Math.max(1, stroke.width)) : 4;
    return [{ points, width, color: SAFE_COLOR.test(stroke.color) ? stroke.color : "#111111" }];
  });
}

/** An SVG drawing of strokes, in sketch units (SKETCH_W × SKETCH_H). */
export function sketchImage(strokes, label = "Drawing") {
  const image = document.createElementNS(SVG, "svg");
  image.setAttribute("viewBox", `0 0 ${SKETCH_W} ${SKETCH_H}`);
  image.setAttribute("class", "note-sketch");
  image.setAttribute("role", "img");
  image.setAttribute("aria-label", label);
  for (const { points, color, width } of strokes) {
    const line = document.createElementNS(SVG, "polyline");
    const pairs = [];
    for (let i = 0; i + 1 < points.length; i += 2) pairs.push(`${points[i]},${points[i + 1]}`);
    // A tap is a dot: draw a zero-length line with round caps.
    if (pairs.length === 1) pairs.push(pairs[0]);
    line.setAttribute("points", pairs.join(" "));
    line.setAttribute("stroke", color);
    line.setAttribute("stroke-width", String(width));
    image.append(line);
  }
  return image;
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

/** How far the notes reach, in board units, for "Fit". */
export function notesSize(notes) {
  return extentOf([...notes.values()].filter(isNote), NOTE_W, NOTE_H);
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
    liveDrag(
      event,
      () => view.scale,
      [note.get("x") || 0, note.get("y") || 0],
      (x, y) => {
        node.style.left = `${x}px`;
        node.style.top = `${y}px`;
      },
      (x, y) => move(note, x, y),
      () => onDrop && onDrop(id, note),
    );
  }

  function onHandleKey(event, id, note) {
    if (event.key === "Enter") {
      // The keyboard's "drop": group with the note underneath, or leave a group.
      event.preventDefault();
      if (onDrop) onDrop(id, note, true);
      return;
    }
    const delta = arrowStep(event);
    if (delta) move(note, (note.get("x") || 0) + delta[0], (note.get("y") || 0) + delta[1]);
  }

  // The palette is built on first use: 500 notes need not carry 3,500
  // hidden buttons.
  function colourPicker(note, node) {
    const toggle = el(
      "button",
      { type: "button", class: "icon-button", "aria-label": "Change colour", "aria-expanded": "false" },
      el("span", { "aria-hidden": "true" }, "🎨"),
      "Colour",
    );
    let palette = null;
    const show = (open) => {
      if (!palette) palette = buildPalette();
      palette.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      if (open) {
        for (const swatch of palette.children) {
          swatch.setAttribute("aria-pressed", String(swatch.dataset.color === note.get("color")));
        }
        (palette.querySelector("[aria-pressed=true]") || palette.firstChild).focus();
      }
    };
    const buildPalette = () => {
      const group = el("div", { class: "note-palette", role: "group", "aria-label": "Note colour" });
      group.append(...COLOR_NAMES.map(([color, name]) =>
        el("button", {
          type: "button", class: "swatch", "data-color": color, style: `background: ${color}`,
          onclick: () => {
            note.set("color", color);
            show(false);
            toggle.focus();
          },
        }, name),
      ));
      group.addEventListener("keydown", (event) => {
        if (event.key === "Escape") {
          show(false);
          toggle.focus();
        }
      });
      node.append(group);
      return group;
    };
    toggle.addEventListener("click", () => show(!palette || palette.hidden));
    return toggle;
  }

  function create(id, note) {
    const kind = note.get("kind");
    const text = el("textarea", {
      class: "note-text",
      "aria-label": "Note text",
      placeholder: readOnly ? "" : kind === "emoji" || kind === "sketch" ? "Add words (optional)" : "Write your idea",
    });
    text.readOnly = readOnly;
    const node = el("article", { class: `note kind-${kind === "emoji" || kind === "sketch" ? kind : "text"}`, "data-note-id": id });
    const readAloud = el(
      "button",
      { type: "button", class: "icon-button", "aria-label": "Read note aloud",
        onclick: () => speak(spokenText(note)) },
      el("span", { "aria-hidden": "true" }, "🔊"),
      "Read",
    );
    const controls = el("div", { class: "note-controls" }, readAloud);
    const emoji = note.get("emoji");
    let picture = null;
    if (kind === "emoji" && PICTURE_NAMES.has(emoji)) {
      picture = el("div", { class: "note-picture", role: "img", "aria-label": PICTURE_NAMES.get(emoji) }, emoji);
    } else if (kind === "sketch") {
      picture = sketchImage(sketchStrokes(note.get("strokes")));
    }
    if (!readOnly) {
      const handle = el(
        "button",
        {
          type: "button",
          class: "note-handle",
          "aria-label": "Move note",
          "aria-description": "Drag, or use the arrow keys. Press Enter to drop it onto the note it is over.",
          onpointerdown: (event) => startDrag(event, id, note, node),
          onkeydown: (event) => onHandleKey(event, id, note),
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
      controls.append(colourPicker(note, node), remove);
      node.append(handle);
    }
    if (picture) node.append(picture);
    node.append(text, controls);
    board.append(node);
    return { node, text, unbind: bindText(note.get("text"), text) };
  }

  function place(entry, note) {
    entry.node.style.left = `${note.get("x") || 0}px`;
    entry.node.style.top = `${note.get("y") || 0}px`;
    // Only a plain colour from a peer: never a url() or anything else in CSS.
    const color = note.get("color");
    entry.node.style.background = SAFE_COLOR.test(color) ? color : COLORS[0];
  }

  let ordered = [];
  // A change inside notes (a move, a keystroke) touches only those notes; a
  // note added or removed renders the whole list again.
  function render(events = []) {
    if (events.length && events.every((event) => event.target !== notes)) {
      // Only words and grouping change what the outline shows.
      let content = false;
      for (const event of events) {
        const id = event.path[0];
        const entry = rendered.get(id);
        const note = notes.get(id);
        if (entry && isNote(note)) place(entry, note);
        if (event.target instanceof Y.Text || event.keysChanged?.has("cluster")) content = true;
      }
      onChange(ordered, { content });
      return;
    }
    ordered = orderedNotes(notes);
    ordered.forEach(([id, note], index) => {
      let entry = rendered.get(id);
      if (!entry) {
        entry = create(id, note);
        rendered.set(id, entry);
      }
      place(entry, note);
      entry.node.setAttribute("aria-label", `Note ${index + 1}`);
    });
    for (const [id, entry] of rendered) {
      if (!isNote(notes.get(id))) {
        entry.unbind();
        entry.node.remove();
        rendered.delete(id);
      }
    }
    onChange(ordered, { content: true });
  }

  /** Add a note: a text note, a picture note ({emoji}) or a sketch note ({strokes}). */
  function add({ emoji = "", strokes = null } = {}) {
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
      note.set("kind", emoji ? "emoji" : strokes ? "sketch" : "text");
      if (emoji) note.set("emoji", emoji);
      if (strokes) note.set("strokes", strokes);
      note.set("cluster", "");
      note.set("created", Date.now());
      notes.set(id, note);
    });
    const entry = rendered.get(id);
    if (entry && !strokes) entry.text.focus();
    else entry?.node.querySelector(".note-handle")?.focus();
  }

  notes.observeDeep(render);
  render();
  return { add };
}
