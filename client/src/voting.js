// Voting on the tablet. While the facilitator's vote is open in this room and
// the phase opens "vote", each item (a note, or a group in a vote on groups)
// gets a row to give or take back a dot (or a share of the budget), or to
// pick a score from 1 to 5, and the vote bar says what is left. Nothing of
// anyone else's votes comes here until the facilitator reveals the results:
// then each item shows its place and total (on the scale, how the scores
// spread; in a named vote, who gave what), and the bar lists the first three.
import { el } from "./dom.js";
import { amountWords, byWords, itemName, itemNoun, itemPhrase, itemsOnBoard, spreadSentence } from "./voteitems.js";

const BAR_ID = "vote-bar";

// Where an item's row goes: at the foot of a note, or in its group's title bar.
const HOSTS = {
  notes: {
    selector: "article.note[data-note-id]", cls: "note-vote",
    id: (node) => node.dataset.noteId, host: (node) => node,
  },
  groups: {
    selector: "section.cluster[data-cluster-id]", cls: "group-vote",
    id: (node) => node.dataset.clusterId, host: (node) => node.querySelector(":scope > .cluster-bar"),
  },
};

/** The spread of a scale item's scores as five bars, each as tall as its share. */
function spreadBars(spread) {
  const most = Math.max(1, ...spread);
  return el("span", { class: "vote-spread", role: "img", "aria-label": `Scores: ${spreadSentence(spread)}` },
    ...spread.map((count, i) => el("span", { class: "spread-score", style: `--share: ${count / most}` },
      el("span", { class: "spread-count" }, count ? String(count) : ""),
      el("span", { class: "spread-bar" }),
      el("span", { class: "spread-label" }, `${i + 1}★`))));
}

export function tabletVoting(connection, say) {
  const bar = document.getElementById(BAR_ID);
  let vote = null;
  let ballot = {};
  let left = null;
  let results = null;
  let observer = null;
  let unfollow = () => {};
  let surface = null;
  let pending = false;

  const kind = () => (vote?.items === "groups" ? "groups" : "notes");
  const voting = () => vote && vote.state === "open" && connection.canWrite("vote");
  const revealed = () => results && vote && results.vote === vote.id && vote.state === "revealed";
  // Votes and results are about this room's board, not one shown from another room.
  const ownBoard = () => Boolean(connection.shown) && !connection.shown.spotlight && !connection.shown.visiting;
  const step = () => (vote.mode === "budget" ? Math.max(1, Math.round(vote.budget / 10)) : 1);
  const amount = (n) => amountWords(vote.mode, vote.unit, n);

  async function cast(item, change) {
    try {
      const result = await connection.channel.request("vote.cast", { item, amount: change });
      ballot = result.ballot || {};
      left = result.left;
      draw();
    } catch (err) {
      const code = err?.code;
      if (code !== "over_budget") say("That vote did not count; try again");
      else if (left) say(`That ${itemNoun(kind(), 1)} has the most one person can give it`);
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

  function resultRow(cls, id) {
    const entry = results.ranked.find((e) => e.item === id);
    const scale = results.mode === "scale";
    const total = !entry ? "" : scale ? `average ${entry.mean}` : amountWords(results.mode, results.unit, entry.total);
    // "#2 · average 3": in a group's narrow title bar the two parts stack.
    const place = entry
      ? el("span", { class: "vote-place" }, el("span", {}, `#${entry.rank}`), el("span", { class: "vote-sep" }, " · "),
        el("span", {}, total))
      : el("span", { class: "vote-place" }, "no votes");
    const by = entry ? byWords(entry.by, results.mode, results.unit) : "";
    const words = el("span", { class: "vote-words" }, place);
    if (by) words.append(el("span", { class: "vote-by" }, by));
    const key = JSON.stringify([place.textContent, entry?.spread, by]);
    const row = el("div", { class: `${cls} result${scale ? " scale" : ""}`, "data-key": `r-${key}` }, words);
    if (entry?.spread) row.append(spreadBars(entry.spread));
    return row;
  }

  function row(itemKind, id) {
    if (itemKind !== kind() || !ownBoard()) return null;
    const { cls } = HOSTS[itemKind];
    if (revealed()) return resultRow(cls, id);
    if (!voting()) return null;
    const what = itemPhrase(connection.doc, itemKind, id);
    const mine = ballot[id] || 0;
    if (vote.mode === "scale") {
      return el("div", { class: `${cls} scale`, role: "group", "aria-label": `Your score for ${what}`,
        "data-key": `s-${mine}-${what}` }, ...[1, 2, 3, 4, 5].map((score) => el("button", {
        type: "button",
        class: `vote-button${score === mine ? " chosen" : ""}`,
        "aria-pressed": String(score === mine),
        "aria-label": `Score ${score} of 5 for ${what}`,
        onclick: () => cast(id, score === mine ? 0 : score),
      }, String(score))));
    }
    const each = step();
    const takeBack = el("button", { type: "button", class: "vote-button",
      "aria-label": `Take back ${amount(each)} from ${what}`,
      onclick: () => cast(id, -Math.min(each, mine)) }, "−");
    takeBack.disabled = !mine;
    const give = el("button", { type: "button", class: "vote-button give",
      "aria-label": `Give ${amount(each)} to ${what}`, onclick: () => cast(id, each) }, "+");
    give.disabled = left === 0;
    return el("div", { class: cls, role: "group", "aria-label": `Your votes for ${what}`,
      "data-key": `d-${mine}-${left}-${what}` },
    takeBack,
    el("span", { class: "vote-count", "aria-hidden": "true" },
      vote.mode === "dots" ? "●".repeat(mine) || "·" : amount(mine)),
    give);
  }

  /** Put the wanted row (or none) into host, keeping the focus on the same button. */
  function place(host, wanted, cls) {
    const current = host.querySelector(`:scope > .${cls}`);
    if (!wanted) {
      current?.remove();
      return;
    }
    if (!current) {
      host.append(wanted);
      return;
    }
    if (current.dataset.key === wanted.dataset.key) return;
    const focused = [...current.querySelectorAll("button")].indexOf(document.activeElement);
    current.replaceWith(wanted);
    if (focused >= 0) wanted.querySelectorAll("button")[focused]?.focus();
  }

  function decorate() {
    pending = false;
    drawBar();
    if (!surface) return;
    for (const [itemKind, where] of Object.entries(HOSTS)) {
      for (const node of surface.querySelectorAll(where.selector)) {
        const host = where.host(node);
        if (host) place(host, row(itemKind, where.id(node)), where.cls);
      }
    }
  }

  function soon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(decorate);
  }

  function openWords() {
    const items = kind();
    const many = itemNoun(items, 2);
    if (vote.mode === "budget") {
      return `Vote: share your ${vote.unit}${vote.budget} between the ${many}. ${vote.unit}${left ?? vote.budget} left.`;
    }
    if (vote.mode === "dots") return `Vote: give your ${vote.budget} dots to the ${many} you choose. ${left ?? vote.budget} left.`;
    const on = itemsOnBoard(connection.doc, items);
    const scored = Object.entries(ballot).filter(([id, score]) => score > 0 && on.has(id)).length;
    return `Vote: give each ${itemNoun(items, 1)} a score from 1 (do not agree) to 5 (agree). `
      + `You have scored ${scored} of ${on.size} ${itemNoun(items, on.size)}.`;
  }

  function drawBar() {
    let text = "";
    if (vote && vote.state === "open" && connection.canWrite("vote")) {
      text = openWords();
      if (vote.anonymous === false) text += " Named vote: everyone will see who voted for what.";
    } else if (vote && vote.state === "closed") {
      text = "Voting is closed. The facilitator will show the results.";
    } else if (revealed()) {
      const top = results.ranked.slice(0, 3).map((e) => `${e.rank}. ${itemName(connection.doc, results.items, e.item)}`);
      text = top.length ? `Results: ${top.join("; ")}` : "Results: nobody voted.";
    }
    const words = bar.querySelector(".notice-text");
    if (words.textContent !== text) words.textContent = text;
    bar.hidden = !text;
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
    if (changed && vote && vote.state === "revealed" && !revealed()) {
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
    /** Follow the notes and groups of this board surface (after each board is mounted). */
    attach(node) {
      observer?.disconnect();
      unfollow();
      surface = node;
      observer = new MutationObserver(soon);
      if (node) observer.observe(node, { childList: true, subtree: true });
      // A group's name, and which notes are in a group, change in the doc alone.
      const doc = connection.doc;
      const maps = doc ? [doc.getMap("clusters"), doc.getMap("notes")] : [];
      for (const map of maps) map.observeDeep(soon);
      unfollow = () => maps.forEach((map) => map.unobserveDeep(soon));
      draw();
    },
  };
}
