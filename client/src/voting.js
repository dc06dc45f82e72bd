// Voting on the tablet. While the facilitator's vote is open in this room and
// the phase opens "vote", each idea (note) gets a row to give or take back a
// dot (or a share of the budget), or to pick a score from 1 to 5, and the
// vote bar says what is left. Nothing of anyone else's votes comes here until
// the facilitator reveals the results: then each idea shows its place and
// total, and the bar lists the first three.
import { el } from "./dom.js";

const BAR_ID = "vote-bar";

function noteWords(doc, id) {
  const note = doc?.getMap("notes").get(id);
  const text = note?.get?.("text")?.toString?.() || "";
  return text.trim() || note?.get?.("emoji") || "an idea without words";
}

export function tabletVoting(connection, say) {
  const bar = document.getElementById(BAR_ID);
  let vote = null;
  let ballot = {};
  let left = null;
  let results = null;
  let observer = null;
  let surface = null;
  let pending = false;

  const voting = () => vote && vote.state === "open" && vote.items === "notes" && connection.canWrite("vote");
  const step = () => (vote.mode === "budget" ? Math.max(1, Math.round(vote.budget / 10)) : 1);
  const amountWords = (n) => (vote.mode === "budget" ? `${vote.unit}${n}` : `${n} ${n === 1 ? "dot" : "dots"}`);

  async function cast(item, amount) {
    try {
      const result = await connection.channel.request("vote.cast", { item, amount });
      ballot = result.ballot || {};
      left = result.left;
      draw();
    } catch (err) {
      const code = err?.code;
      if (code !== "over_budget") say("That vote did not count; try again");
      else if (left) say("That idea has the most one person can give it");
      else say(vote.mode === "budget" ? "Not that much left: take some back first" : "No dots left: take one back first");
    }
  }

  async function loadMine() {
    try {
      const result = await connection.channel.request("vote.mine");
      ballot = result.ballot || {};
      left = result.left;
    } catch {
      ballot = {};
      left = null;
    }
    draw();
  }

  function row(id) {
    const words = noteWords(connection.doc, id);
    if (results && vote && results.vote === vote.id && vote.state === "revealed") {
      const entry = results.ranked.find((e) => e.item === id);
      const text = !entry ? "no votes"
        : vote.mode === "scale" ? `#${entry.rank} · average ${entry.mean}`
          : `#${entry.rank} · ${amountWords(entry.total)}`;
      return el("p", { class: "note-vote result", "data-key": `r-${text}` }, text);
    }
    if (!voting()) return null;
    const mine = ballot[id] || 0;
    if (vote.mode === "scale") {
      return el("div", { class: "note-vote scale", role: "group", "aria-label": `Your score for “${words}”`,
        "data-key": `s-${mine}` }, ...[1, 2, 3, 4, 5].map((score) => el("button", {
        type: "button",
        class: `vote-button${score === mine ? " chosen" : ""}`,
        "aria-pressed": String(score === mine),
        "aria-label": `Score ${score} of 5 for “${words}”`,
        onclick: () => cast(id, score === mine ? 0 : score),
      }, String(score))));
    }
    const amount = step();
    const takeBack = el("button", { type: "button", class: "vote-button",
      "aria-label": `Take back ${amountWords(amount)} from “${words}”`,
      onclick: () => cast(id, -Math.min(amount, mine)) }, "−");
    takeBack.disabled = !mine;
    const give = el("button", { type: "button", class: "vote-button give",
      "aria-label": `Give ${amountWords(amount)} to “${words}”`, onclick: () => cast(id, amount) }, "+");
    give.disabled = left === 0;
    return el("div", { class: "note-vote", role: "group", "aria-label": `Your votes for “${words}”`,
      "data-key": `d-${mine}-${left}` },
    takeBack,
    el("span", { class: "vote-count", "aria-hidden": "true" },
      vote.mode === "dots" ? "●".repeat(mine) || "·" : amountWords(mine)),
    give);
  }

  function decorate() {
    pending = false;
    if (!surface) return;
    for (const node of surface.querySelectorAll("article.note[data-note-id]")) {
      const wanted = row(node.dataset.noteId);
      const current = node.querySelector(":scope > .note-vote");
      if (!wanted) {
        current?.remove();
        continue;
      }
      if (current && current.dataset.key === wanted.dataset.key) continue;
      if (current) current.replaceWith(wanted);
      else node.append(wanted);
    }
  }

  function soon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(decorate);
  }

  function drawBar() {
    let text = "";
    if (vote && vote.state === "open" && connection.canWrite("vote")) {
      if (vote.mode === "scale") text = "Vote: give each idea a score from 1 (do not agree) to 5 (agree).";
      else if (vote.mode === "budget") text = `Vote: share your ${vote.unit}${vote.budget} between the ideas. ${vote.unit}${left ?? vote.budget} left.`;
      else text = `Vote: give your ${vote.budget} dots to the ideas you choose. ${left ?? vote.budget} left.`;
    } else if (vote && vote.state === "closed") {
      text = "Voting is closed. The facilitator will show the results.";
    } else if (vote && vote.state === "revealed" && results && results.vote === vote.id) {
      const top = results.ranked.slice(0, 3).map((e) => `${e.rank}. ${noteWords(connection.doc, e.item)}`);
      text = top.length ? `Results: ${top.join("; ")}` : "Results: nobody voted.";
    }
    bar.hidden = !text;
    bar.querySelector(".notice-text").textContent = text;
  }

  function draw() {
    drawBar();
    soon();
  }

  connection.on("state", () => {
    const next = connection.room?.vote || null;
    const changed = next?.id !== vote?.id || next?.state !== vote?.state;
    vote = next;
    if (changed && vote && vote.state === "open") loadMine();
    if (changed && vote && vote.state === "revealed" && !results) {
      connection.channel.request("vote.results").then((r) => { results = r; draw(); }, () => {});
    }
    draw();
  });
  connection.on("access", draw);
  connection.channel.on("vote.results", (data) => {
    results = data;
    draw();
  });

  return {
    /** Follow the notes of this board surface (after each board is mounted). */
    attach(node) {
      observer?.disconnect();
      surface = node;
      observer = new MutationObserver(soon);
      if (node) observer.observe(node, { childList: true, subtree: true });
      draw();
    },
  };
}
