// What the facilitator set for this table, at the top of the tablet in
// plain words: the phase and what it opens, the question, the time left,
// the banner, and whether the table is paused or looking at another table.
import { el } from "./dom.js";
import { speak } from "./speech.js";
import { countdown, soundAfterGesture } from "./countdown.js";
import { announce } from "./notice.js";

/** The agenda's icons (docs/protocol.md) as pictures with no words of their own. */
export const PHASE_ICONS = {
  wave: "👋", bulb: "💡", groups: "🗂️", map: "🔁", vote: "🗳️", walk: "🚶", clipboard: "📋", mirror: "🪞",
  coffee: "☕", star: "⭐",
};

export const LOCKED_TEXT = "Your table is paused by the facilitator";

// What each open action lets people do, said the way they would say it.
const DOING = {
  notes: "write ideas", groups: "make groups", map: "build the map", vote: "vote",
  gallery: "visit the other tables", plan: "plan actions",
};

/** "You can write ideas and make groups", or "Look and listen" when nothing is open. */
export function doingText(open) {
  const parts = (Array.isArray(open) ? open : []).map((action) => DOING[action]).filter(Boolean);
  if (!parts.length) return "Look and listen";
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `You can ${list}`;
}

function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * Wires #workshop-strip and the room notices to `connection` (see
 * connection.js); returns nothing: it follows the connection's events.
 */
export function workshopStrip(connection) {
  const strip = document.getElementById("workshop-strip");
  const phase = strip.querySelector(".phase");
  const icon = phase.querySelector(".phase-icon");
  const title = phase.querySelector(".phase-title");
  const step = phase.querySelector(".phase-step");
  const doing = phase.querySelector(".phase-doing");
  const prompt = document.getElementById("prompt");
  const banner = document.getElementById("banner");
  const locked = document.getElementById("room-locked");
  const spotlight = document.getElementById("spotlight-note");
  const clock = document.getElementById("countdown");
  setText(locked.querySelector(".notice-text"), LOCKED_TEXT);
  // What a screen reader has been told, so each change is said once; the
  // changes of one state are said together.
  const said = new Map();
  let news = [];
  const tell = (key, text) => {
    if (said.get(key) === text) return;
    said.set(key, text);
    if (text) news.push(text);
  };

  soundAfterGesture();
  const updateClock = countdown(clock, () => connection.room?.timer ?? null, () => connection.serverNow(),
    () => connection.session.room.id);

  function renderPhase(state, room) {
    const current = connection.phase;
    phase.hidden = !current;
    if (!current) return;
    setText(icon, PHASE_ICONS[current.icon] || "📌");
    setText(title, current.title);
    const agenda = state.agenda || [];
    const index = agenda.findIndex((entry) => entry.id === current.id);
    setText(step, index >= 0 ? `Step ${index + 1} of ${agenda.length}` : "");
    // Another table's board is shown read only: nothing to write there.
    const away = Boolean(connection.shown?.spotlight);
    setText(doing, room.locked ? "Wait for the facilitator" : away ? doingText([]) : doingText(current.open));
  }

  function render() {
    const state = connection.state;
    const room = connection.room;
    const shown = connection.shown;
    if (!state || !room) {
      strip.hidden = true;
      for (const node of [banner, locked, spotlight]) node.hidden = true;
      document.body.classList.remove("room-locked", "spotlight");
      updateClock();
      return;
    }
    renderPhase(state, room);
    const question = shownQuestion();
    setText(prompt.querySelector(".prompt-text"), question);
    prompt.hidden = !question;
    updateClock();
    strip.hidden = phase.hidden && prompt.hidden && clock.hidden;
    tell("phase", connection.phase ? `Now: ${connection.phase.title}` : "");

    setText(banner.querySelector(".notice-text"), state.banner || "");
    banner.hidden = !state.banner;
    tell("banner", state.banner || "");

    // The table's own state comes first: a paused table stays paused under a spotlight.
    const away = shown?.spotlight;
    locked.hidden = !room.locked || Boolean(away);
    document.body.classList.toggle("room-locked", Boolean(room.locked));
    tell("locked", room.locked ? LOCKED_TEXT : "");

    const own = state.spotlight && state.spotlight.room === connection.session.room.id;
    const text = away ? `Look at what ${away.name} made`
      : own ? "Everyone is looking at what your table made"
        : state.spotlight ? `Everyone is looking at what ${state.spotlight.name} made` : "";
    setText(spotlight.querySelector(".notice-text"), text);
    spotlight.hidden = !text;
    spotlight.classList.toggle("away", Boolean(away));
    document.body.classList.toggle("spotlight", Boolean(away));
    tell("spotlight", text);
    announce(news.join(". "));
    news = [];
  }

  // The question on screen: the own table's, or the one in the spotlight's.
  function shownQuestion() {
    const away = connection.shown?.spotlight;
    if (away) return connection.state?.spotlight?.prompt || "";
    return connection.room?.prompt || "";
  }

  document.getElementById("read-prompt").addEventListener("click", () => {
    const current = connection.shown?.spotlight ? null : connection.phase;
    speak([current?.title, shownQuestion()].filter(Boolean).join(". "));
  });

  connection.on("state", render);
  connection.on("board", render);
  render();
}

/** The full-page "you are out" message: nothing else on the page can be used. */
export function stoppedScreen(message, detail = "") {
  for (const node of document.body.children) {
    if (node.id !== "stopped" && node.tagName !== "SCRIPT") node.inert = true;
  }
  const screen = document.getElementById("stopped");
  screen.replaceChildren(
    el("p", { class: "stopped-icon", "aria-hidden": "true" }, "👋"),
    el("h1", { tabindex: "-1" }, message),
    ...(detail ? [el("p", {}, detail)] : []),
  );
  screen.hidden = false;
  screen.querySelector("h1").focus();
}
