// The vote card: start a vote in the chosen rooms (dots, a budget to share,
// or agreement 1 to 5), watch who has voted, close it and reveal the results.
// The console never sees anyone's votes: only how many have voted and who has
// not (vote.progress), and the results once revealed (vote.results).
import { el } from "../dom.js";
import { roomList } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

const MODE_WORDS = { dots: "Dots", budget: "Share a budget", scale: "Agree 1 to 5" };
const STATE_WORDS = { open: "voting now", closed: "closed, results hidden", revealed: "results shown" };

function whole(input, fallback) {
  const value = Number.parseInt(input.value, 10);
  return Number.isFinite(value) ? value : fallback;
}

export function votePanel({ send, scope }) {
  const $ = (id) => document.getElementById(id);
  const list = $("vote-rooms");
  const progress = new Map();
  const revealed = new Map();
  let latest = null;
  let shown = "";

  const picked = (name) => document.querySelector(`input[name="${name}"]:checked`)?.value;
  function showFields() {
    const mode = picked("vote-mode");
    $("vote-dots-row").hidden = mode !== "dots";
    $("vote-money-row").hidden = mode !== "budget";
  }
  for (const input of document.querySelectorAll('input[name="vote-mode"]')) input.addEventListener("change", showFields);
  // The most on one idea follows the dots each, unless set lower.
  let dots = whole($("vote-budget"), 3);
  $("vote-budget").addEventListener("change", () => {
    const next = whole($("vote-budget"), dots);
    if (whole($("vote-cap"), dots) >= dots || whole($("vote-cap"), dots) > next) $("vote-cap").value = String(next);
    dots = next;
  });
  showFields();

  $("vote-open").addEventListener("click", () => {
    const mode = picked("vote-mode");
    const args = { mode, items: picked("vote-items"), anonymous: !$("vote-named").checked, ...scope.args() };
    if (mode === "dots") Object.assign(args, { budget: whole($("vote-budget"), 3), cap: whole($("vote-cap"), 3) });
    if (mode === "budget") Object.assign(args, { budget: whole($("vote-total"), 100), unit: $("vote-unit").value.trim() });
    const where = latest ? scope.words(latest) : "every room";
    send("vote.open", args, `Vote started in ${where}`);
  });
  $("vote-close").addEventListener("click", () => send("vote.close", scope.args(), "Voting closed"));
  $("vote-reveal").addEventListener("click", () => send("vote.reveal", scope.args(), "Results revealed"));

  function line(id, room) {
    const vote = room.vote;
    if (!vote) return el("li", { "data-key": `vote-${id}` }, el("strong", {}, room.name), " — no vote yet");
    const parts = [`${MODE_WORDS[vote.mode] || vote.mode}: ${STATE_WORDS[vote.state] || vote.state}`];
    const seen = progress.get(vote.id);
    if (vote.state === "open") {
      parts.push(seen ? `${seen.voted} of ${seen.of} have voted` : "nobody has voted yet");
      if (seen && seen.waiting.length) parts.push(`waiting for ${seen.waiting.join(", ")}`);
    }
    const result = revealed.get(vote.id);
    if (vote.state === "revealed" && result) parts.push(`${result.voters} voted; the tablets and the wall show the ranking`);
    return el("li", { "data-key": `vote-${id}`, "data-state": vote.state },
      el("strong", {}, room.name), ` — ${parts.join("; ")}`);
  }

  function render(state) {
    latest = state;
    $("vote-scope-note").textContent = `Acts on ${scope.words(state)} (choose under Timer: Which rooms).`;
    const rooms = roomList(state);
    const key = JSON.stringify([rooms.map(([id, room]) => [id, room.name, room.vote]),
      [...progress.entries()], [...revealed.keys()]]);
    if (key === shown) return;
    shown = key;
    const chosen = scope.rooms(state).map((id) => state.rooms[id]?.vote).filter(Boolean);
    $("vote-close").disabled = !chosen.some((vote) => vote.state === "open");
    $("vote-reveal").disabled = !chosen.some((vote) => vote.state !== "revealed");
    redrawKeepingFocus(list, () => list.replaceChildren(...rooms.map(([id, room]) => line(id, room))));
  }

  return {
    render,
    progress(data) {
      progress.set(data.vote, data);
      if (latest) render(latest);
    },
    results(data) {
      revealed.set(data.vote, data);
      if (latest) render(latest);
    },
  };
}
