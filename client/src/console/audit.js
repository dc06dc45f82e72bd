// The activity list: what facilitators changed, newest first, live.
import { el } from "../dom.js";

const MAX_ROWS = 300;
const ACTION_WORDS = {
  "agenda.set": "Agenda saved",
  "phase.set": "Phase set",
  "timer.start": "Timer started",
  "timer.pause": "Timer paused",
  "timer.resume": "Timer resumed",
  "timer.add": "Time added",
  "timer.stop": "Timer stopped",
  "room.lock": "Room lock",
  "room.prompt": "Prompt set",
  "banner.set": "Banner",
  "spotlight.set": "Spotlight",
  "participant.move": "Person moved",
  "rooms.shuffle": "Shuffled",
  "participant.remove": "Person removed",
  "vote.open": "Vote started",
  "vote.close": "Voting closed",
  "vote.reveal": "Results revealed",
  "private.set": "Private mode",
  "private.reveal": "Private notes revealed",
  "note.hide": "Note hidden",
  "note.restore": "Note put back",
  "note.keep_in_room": "Stays in the room",
  "notes.keep": "Revealed notes stay in the room",
};

export function auditPanel({ send, getState }) {
  const rows = document.getElementById("audit-rows");
  const empty = document.getElementById("audit-empty");

  const roomName = (id) => (id ? getState()?.rooms?.[id]?.name || id : "All rooms");
  const row = (entry) => {
    const when = new Date(entry.at * 1000);
    return el("tr", {},
      el("td", { class: "audit-time" }, when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })),
      el("td", {}, ACTION_WORDS[entry.action] || entry.action),
      el("td", {}, roomName(entry.room)),
      el("td", {}, entry.detail || ""));
  };
  const show = () => {
    empty.hidden = rows.children.length > 0;
  };

  async function load() {
    const result = await send("audit.list", { limit: 100 });
    if (!result) return;
    rows.replaceChildren(...(result.entries || []).map(row));
    show();
  }

  function push(entry) {
    rows.prepend(row(entry));
    while (rows.children.length > MAX_ROWS) rows.lastElementChild.remove();
    show();
  }

  return { load, push };
}
