// The timer part: start with minutes (or a preset), pause, resume, add a
// minute or five, stop; for every room or one. The countdown is large and
// counted from the server's clock.
import { formatClock, sameTimer, spokenTimer, STATE_WORDS, timerNow } from "./clock.js";
import { roomList } from "./phases.js";

const MAX_MINUTES = 720;

/** The timer to show for these rooms: their common one, or the soonest to end. */
export function shownTimer(state, roomIds) {
  const timers = roomIds.map((id) => state.rooms[id]?.timer).filter(Boolean);
  if (!timers.length) return { timer: { state: "stopped" }, mixed: false };
  const mixed = timers.some((timer) => !sameTimer(timer, timers[0]));
  if (!mixed) return { timer: timers[0], mixed };
  const running = timers.filter((timer) => timer.state === "running").sort((a, b) => a.ends_at - b.ends_at);
  return { timer: running[0] || timers.find((timer) => timer.state === "paused") || timers[0], mixed };
}

export function timerPanel({ send, scope, getState, serverNow, say }) {
  const $ = (id) => document.getElementById(id);
  const minutes = $("minutes");
  const countdown = $("countdown");
  const time = countdown.querySelector(".countdown-time");
  const words = countdown.querySelector(".countdown-state");
  const note = $("scope-note");
  const buttons = {
    pause: $("timer-pause"), resume: $("timer-resume"), add1: $("timer-add1"), add5: $("timer-add5"), stop: $("timer-stop"),
  };

  const act = (cmd, extra = {}, done = "") => send(cmd, { ...extra, ...scope.args() }, done);
  const where = () => scope.words(getState());

  $("timer-start").addEventListener("click", () => {
    const value = Number(minutes.value);
    if (!Number.isFinite(value) || value <= 0 || value > MAX_MINUTES) {
      say("Minutes must be from 1 to 720 (12 hours).");
      minutes.setCustomValidity("From 1 to 720 minutes");
      minutes.reportValidity();
      return;
    }
    minutes.setCustomValidity("");
    act("timer.start", { seconds: Math.round(value * 60) }, `Timer started: ${value} min in ${where()}`);
  });
  minutes.addEventListener("input", () => minutes.setCustomValidity(""));
  for (const preset of document.querySelectorAll(".preset")) {
    preset.addEventListener("click", () => {
      minutes.value = preset.dataset.minutes;
      say(`${preset.dataset.minutes} minutes set. Press Start.`);
      $("timer-start").focus();
    });
  }
  buttons.pause.addEventListener("click", () => act("timer.pause", {}, `Timer paused in ${where()}`));
  buttons.resume.addEventListener("click", () => act("timer.resume", {}, `Timer running again in ${where()}`));
  buttons.add1.addEventListener("click", () => act("timer.add", { seconds: 60 }, "Added 1 minute"));
  buttons.add5.addEventListener("click", () => act("timer.add", { seconds: 300 }, "Added 5 minutes"));
  buttons.stop.addEventListener("click", () => act("timer.stop", {}, `Timer stopped in ${where()}`));

  /** Redraw the countdown (every tick) and which buttons apply (on every state). */
  function tick(flashing) {
    const state = getState();
    if (!state) return;
    const ids = scope.rooms(state);
    const { timer, mixed } = shownTimer(state, ids);
    const now = timerNow(timer, serverNow());
    time.textContent = now.state === "stopped" ? formatClock(now.duration || 0) : formatClock(now.left);
    words.textContent = STATE_WORDS[now.state];
    countdown.dataset.state = now.state;
    countdown.setAttribute("aria-label", spokenTimer(now));
    countdown.classList.toggle("flash", flashing && now.state === "ended");

    const states = ids.map((id) => timerNow(state.rooms[id].timer, serverNow()).state);
    const any = (...wanted) => states.some((s) => wanted.includes(s));
    buttons.pause.disabled = !any("running");
    buttons.resume.disabled = !any("paused");
    buttons.add1.disabled = !any("running", "paused", "ended");
    buttons.add5.disabled = buttons.add1.disabled;
    buttons.stop.disabled = !any("running", "paused", "ended");

    const text = mixed
      ? `The rooms' timers differ: ${ids.map((id) => {
        const each = timerNow(state.rooms[id].timer, serverNow());
        return `${state.rooms[id].name} ${each.state === "stopped" ? "stopped" : formatClock(each.left)}`;
      }).join(" · ")}`
      : `Acts on ${scope.get() ? state.rooms[scope.get()].name : `all ${roomList(state).length} rooms`}.`;
    if (note.textContent !== text) note.textContent = text;
  }

  return { tick };
}
