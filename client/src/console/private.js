// The private notes card: turn private mode on or off in every room or in
// one, see how many notes wait in each room, and reveal them: every waiting
// note goes onto its room's board at once, without names. The console never
// sees what a note says, only the counts (drafts.count).
import { el } from "../dom.js";
import { roomList } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

const notes = (n) => `${n} ${n === 1 ? "note" : "notes"}`;

/** "No notes waiting", "1 note waiting", "7 notes waiting". */
export function waitingWords(n) {
  return n ? `${notes(n)} waiting` : "No notes waiting";
}

/** What a reveal did, in words: "7 notes shown on Table 1's board." */
export function revealWords(revealed, state) {
  const shown = roomList(state)
    .filter(([id]) => revealed[id] > 0)
    .map(([id, room]) => `${notes(revealed[id])} shown on ${room.name}'s board`);
  return shown.length ? `${shown.join("; ")}.` : "No notes were waiting, so no board changed. Private mode is off.";
}

function switchFor(label, key) {
  const input = el("input", { type: "checkbox", role: "switch", "data-key": key });
  return [input, el("label", { class: "check private-switch" }, input, ...label)];
}

export function privatePanel({ send, confirm, say }) {
  const $ = (id) => document.getElementById(id);
  const list = $("private-rooms");
  const all = $("private-all");
  const revealAll = $("private-reveal-all");
  const outcome = $("private-outcome");
  const counts = new Map();
  let latest = null;
  let shown = "";

  const waiting = (id) => counts.get(id) || 0;
  const revealable = (id) => Boolean(latest?.rooms?.[id]?.private) || waiting(id) > 0;

  async function turn(on, room) {
    const args = room ? { on, room } : { on };
    const where = room ? latest.rooms[room]?.name || room : "every room";
    const done = await send("private.set", args, `Private mode ${on ? "on" : "off"} in ${where}`);
    // Refused: the switches go back to what the server says.
    if (!done) {
      shown = "";
      render(latest);
    }
  }

  async function reveal(room) {
    const name = room ? latest.rooms[room]?.name || room : null;
    const ok = await confirm(
      room ? `Show ${name}'s private notes?` : "Show every room's private notes?",
      `Every note waiting ${room ? `in ${name}` : "in every room"} goes onto its board now, without names, ` +
        `and private mode ends ${room ? "there" : "everywhere"}. This cannot be undone.`,
      "Show the notes",
    );
    if (!ok) return;
    const result = await send("private.reveal", room ? { room } : {});
    if (!result) return;
    const words = revealWords(result.revealed || {}, latest);
    outcome.textContent = words;
    say(words);
  }

  all.addEventListener("change", () => turn(all.checked, null));
  revealAll.addEventListener("click", () => reveal(null));

  function line(id, room) {
    const [input, label] = switchFor(
      ["Private mode", el("span", { class: "visually-hidden" }, ` in ${room.name}`)], `private-${id}`);
    input.checked = Boolean(room.private);
    input.addEventListener("change", () => turn(input.checked, id));
    const button = el("button", {
      type: "button", class: "small secondary", "data-key": `reveal-${id}`, "aria-label": `Reveal ${room.name}'s notes`,
      onclick: () => reveal(id),
    }, el("span", { "aria-hidden": "true" }, "👁 "), "Reveal");
    button.disabled = !revealable(id);
    return el("li", { class: "private-room", "data-room": id, "data-private": String(Boolean(room.private)) },
      el("p", { class: "private-room-head" }, el("strong", {}, room.name),
        el("span", { class: "private-count" }, waitingWords(waiting(id)))),
      el("div", { class: "private-room-tools" }, label, button));
  }

  function render(state) {
    latest = state;
    const rooms = roomList(state);
    const key = JSON.stringify([rooms.map(([id, room]) => [id, room.name, Boolean(room.private)]), [...counts]]);
    if (key === shown) return;
    shown = key;
    const on = rooms.filter(([, room]) => room.private).length;
    all.checked = rooms.length > 0 && on === rooms.length;
    all.indeterminate = on > 0 && on < rooms.length;
    revealAll.disabled = !rooms.some(([id]) => revealable(id));
    redrawKeepingFocus(list, () => list.replaceChildren(...rooms.map(([id, room]) => line(id, room))));
  }

  function takeCounts(data) {
    counts.clear();
    for (const [id, n] of Object.entries(data?.rooms || {})) if (Number.isInteger(n)) counts.set(id, n);
    if (latest) render(latest);
  }

  return {
    render,
    /** Each room's waiting drafts, from the `drafts.count` push. */
    counts: takeCounts,
    /** Ask for the counts: after every (re)connect. */
    async load() {
      const result = await send("drafts.count");
      if (result) takeCounts(result);
    },
  };
}
