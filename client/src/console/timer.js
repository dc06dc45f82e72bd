// The timer part: start with minutes and seconds (or a preset), pause,
// resume, take away a minute, add a minute or five, stop; for every room or
// one. The countdown is large and counted from the server's clock.
import { formatClock, sameTimer, spokenTimer, STATE_WORDS, timerNow } from "./clock.js";
import { roomList } from "./phases.js";

const MAX_SECONDS = 12 * 3600;

/** The seconds that minutes and seconds fields ask for, or null when they are not a time from 1 s to 12 h. */
export function timerSeconds(minutesText, secondsText) {
  const read = (text) => (String(text).trim() === "" ? 0 : Number(text));
  const minutes = read(minutesText);
  const seconds = read(secondsText);
  if (![minutes, seconds].every((n) => Number.isInteger(n) && n >= 0) || seconds > 59) return null;
  const total = minutes * 60 + seconds;
  return total >= 1 && total <= MAX_SECONDS ? total : null;
}

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
  const seconds = $("seconds");
  const countdown = $("countdown");
  const time = countdown.querySelector(".countdown-time");
  const words = countdown.querySelector(".countdown-state");
  const note = $("scope-note");
  const buttons = {
    pause: $("timer-pause"), resume: $("timer-resume"), less1: $("timer-less1"), add1: $("timer-add1"), add5: $("timer-add5"),
    stop: $("timer-stop"),
  };

  const act = (cmd, extra = {}, done = "") => send(cmd, { ...extra, ...scope.args() }, done);
  const where = () => scope.words(getState());

  $("timer-start").addEventListener("click", () => {
    const total = timerSeconds(minutes.value, seconds.value);
    if (total === null) {
      const wrong = Number(seconds.value) > 59 || Number(seconds.value) < 0 ? seconds : minutes;
      say("Set a time from 1 second to 12 hours: minutes from 0 to 720, seconds from 0 to 59.");
      wrong.setCustomValidity("Set a time from 1 second to 12 hours: minutes 0 to 720, seconds 0 to 59.");
      wrong.reportValidity();
      return;
    }
    act("timer.start", { seconds: total }, `Timer started: ${formatClock(total)} in ${where()}`);
  });
  for (const field of [minutes, seconds]) {
    field.addEventListener("input", () => {
      minutes.setCustomValidity("");
      seconds.setCustomValidity("");
    });
  }
  for (const preset of document.querySelectorAll(".preset")) {
    preset.addEventListener("click", () => {
      minutes.value = preset.dataset.minutes;
      seconds.value = "0";
      say(`${preset.dataset.minutes} minutes set. Press Start.`);
      $("timer-start").focus();
    });
  }
  buttons.pause.addEventListener("click", () => act("timer.pause", {}, `Timer paused in ${where()}`));
  buttons.resume.addEventListener("click", () => act("timer.resume", {}, `Timer running again in ${where()}`));
  buttons.less1.addEventListener("click", () => act("timer.add", { seconds: -60 }, "Took away 1 minute"));
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
    buttons.less1.disabled = !any("running", "paused");
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
