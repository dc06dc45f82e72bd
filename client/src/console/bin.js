// Hidden notes: the moderation bin. A note the facilitator hid from a board
// (the note's More menu on a board opened from here) waits in it, per room,
// seen by facilitators alone, until "Put back" returns it to its board
// (note.restore). Live from the `bin` push; bin.list after every connect.
import { el } from "../dom.js";
import { PICTURES, sketchImage, sketchStrokes } from "../notes.js";
import { roomList } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

const PICTURE_NAMES = new Map(PICTURES);
const SHORT = 40;
const plural = (n) => `${n} hidden ${n === 1 ? "note" : "notes"}`;

/** A hidden note in a few words, for its Put back button's name. */
export function shortWords(entry) {
  const text = typeof entry.text === "string" ? entry.text.trim().replace(/\s+/g, " ") : "";
  const picture = entry.kind === "sketch" ? "drawing" : entry.kind === "emoji" ? PICTURE_NAMES.get(entry.emoji) || "picture" : "";
  const words = [picture, text].filter(Boolean).join(": ") || "an empty note";
  return words.length > SHORT ? `${words.slice(0, SHORT - 1)}…` : words;
}

function picture(entry) {
  if (entry.kind === "emoji") {
    const name = PICTURE_NAMES.get(entry.emoji) || "picture";
    return el("div", { class: "bin-picture", role: "img", "aria-label": name }, PICTURE_NAMES.has(entry.emoji) ? entry.emoji : "❓");
  }
  if (entry.kind === "sketch") return sketchImage(sketchStrokes(entry.strokes), "Drawing");
  return null;
}

const clock = (seconds) => new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

export function binPanel({ send, say }) {
  const list = document.getElementById("bin-rooms");
  const total = document.getElementById("bin-total");
  let notes = [];
  let state = null;
  let shown = "";

  async function restore(entry, roomName) {
    const done = await send("note.restore", { room: entry.room, note: entry.note },
      `Put back on ${roomName}'s board: ${shortWords(entry)}`);
    // The `bin` push follows; this page's list need not wait for it.
    if (done) take({ notes: notes.filter((n) => !(n.room === entry.room && n.note === entry.note)) });
  }

  function item(entry, roomName) {
    const image = picture(entry);
    const text = typeof entry.text === "string" ? entry.text.trim() : "";
    return el("li", { class: "bin-note", "data-note": entry.note },
      el("div", { class: "bin-content" },
        ...(image ? [image] : []),
        text ? el("p", { class: "bin-text" }, text) : image ? "" : el("p", { class: "bin-text" }, el("em", {}, "(no words)")),
        el("p", { class: "bin-when" }, `Hidden at ${clock(entry.hidden_at)}`)),
      el("button", {
        type: "button", class: "small secondary bin-restore", "data-key": `restore-${entry.room}-${entry.note}`,
        "aria-label": `Put back: ${shortWords(entry)}`, onclick: () => restore(entry, roomName),
      }, el("span", { "aria-hidden": "true" }, "↩ "), "Put back"));
  }

  function render(next = state) {
    state = next;
    if (!state) return;
    const rooms = roomList(state);
    // A state push that changes no room name leaves the list as it is.
    const key = JSON.stringify([rooms.map(([id, room]) => [id, room.name]), notes.map((n) => [n.room, n.note, n.hidden_at])]);
    if (key === shown) return;
    shown = key;
    const known = new Set(rooms.map(([id]) => id));
    const groups = rooms.map(([id, room]) => [room.name, notes.filter((n) => n.room === id)])
      .concat([["Other rooms", notes.filter((n) => !known.has(n.room))]])
      .filter(([, inside]) => inside.length);
    total.textContent = notes.length
      ? `${plural(notes.length)}. Only facilitators see them.`
      : "No hidden notes. To hide one, open a room's board (Rooms and people: Open board) and tap More on the note.";
    redrawKeepingFocus(list, () => list.replaceChildren(...groups.map(([name, inside]) =>
      el("li", { class: "bin-room" },
        el("h3", {}, name, el("span", { class: "bin-count" }, ` · ${plural(inside.length)}`)),
        el("ul", { class: "bin-notes", "aria-label": `Hidden notes of ${name}` },
          ...inside.map((entry) => item(entry, name)))))));
  }

  /** The bin, from the `bin` push or bin.list: oldest hide first. */
  function take(data) {
    notes = Array.isArray(data?.notes) ? data.notes.filter((n) => n && typeof n.note === "string") : [];
    render();
  }

  return {
    render,
    take,
    /** Ask for the bin: after every (re)connect. */
    async load() {
      const result = await send("bin.list");
      if (result) take(result);
    },
  };
}
