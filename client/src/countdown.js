// The room's timer on the tablet: counted down here from the server's
// ends_at, corrected by the clock offset (the server never ticks). Paused
// shows "Paused" and the time left; stopped hides it; at the end a flash,
// "Time is up" and a short chime.
import { announce } from "./notice.js";
// The same digits as the wall and the console: 4:05, or 1:02:03 from an hour up.
import { formatClock } from "./console/clock.js";

export const CHIME_SECONDS = 0.6;
const CHIME_HZ = 880;
// Under this many seconds left, the clock turns to its "nearly done" look.
const SOON_SECONDS = 60;

/** Seconds left on a TIMER at the server time nowMs, or null when it is stopped. */
export function timeLeft(timer, nowMs) {
  if (!timer || timer.state === "stopped") return null;
  if (timer.state === "paused") return Math.max(0, Number(timer.remaining) || 0);
  if (timer.state === "running") return Math.max(0, Number(timer.ends_at) - nowMs / 1000);
  return null;
}

let audio = null;

// Made on first use only; through window.AudioContext, so a test can watch it.
function audioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") {
    audio.resume().catch((err) => console.warn("sound stays off until a tap:", err));
  }
  return audio;
}

/** Browsers play sound only after a tap or a key: the first one opens the sound. */
export function soundAfterGesture() {
  const open = () => {
    document.removeEventListener("pointerdown", open, true);
    document.removeEventListener("keydown", open, true);
    audioContext();
  };
  document.addEventListener("pointerdown", open, true);
  document.addEventListener("keydown", open, true);
}

/** A short bell-like tone. */
export function chime() {
  const context = audioContext();
  if (!context) return;
  const tone = context.createOscillator();
  const volume = context.createGain();
  const start = context.currentTime;
  tone.type = "sine";
  tone.frequency.setValueAtTime(CHIME_HZ, start);
  volume.gain.setValueAtTime(0.0001, start);
  volume.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
  volume.gain.exponentialRampToValueAtTime(0.0001, start + CHIME_SECONDS);
  tone.connect(volume);
  volume.connect(context.destination);
  tone.start(start);
  tone.stop(start + CHIME_SECONDS);
}

/**
 * Shows timer() (the room's TIMER, or null) in `box` (its .countdown-time
 * and .countdown-label), counting by now() (server ms). room() names whose
 * timer it is: another room's timer (after a move) starts unarmed. Returns
 * update(), to call when the timer may have changed.
 */
export function countdown(box, timer, now, room = () => null) {
  const time = box.querySelector(".countdown-time");
  const label = box.querySelector(".countdown-label");
  let tick = 0;
  // Seen running with time left: only then does the end chime (a tablet that
  // joins after the end stays quiet; one whose time was taken away rings).
  let armed = false;
  let rang = null; // the ends_at whose end is flashing
  let shownRoom = room();

  function show(text, state) {
    if (time.textContent !== text) time.textContent = text;
    box.dataset.state = state;
  }

  function update() {
    clearTimeout(tick);
    const current = timer();
    if (room() !== shownRoom) {
      shownRoom = room();
      armed = false;
    }
    if (!(current?.state === "running" && current.ends_at === rang)) box.classList.remove("flash");
    const left = timeLeft(current, now());
    box.hidden = left === null;
    if (left === null) {
      armed = false;
      return;
    }
    if (current.state === "paused") {
      label.textContent = "Paused";
      show(formatClock(left), "paused");
      return;
    }
    if (left > 0) {
      armed = true;
      label.textContent = "Time left";
      show(formatClock(left), left <= SOON_SECONDS ? "soon" : "running");
      // Wake at the next whole second of the count.
      tick = setTimeout(update, (left - Math.floor(left)) * 1000 + 20 || 1000);
      return;
    }
    label.textContent = "";
    show("Time is up", "ended");
    if (armed) {
      armed = false;
      rang = current.ends_at;
      box.classList.remove("flash");
      void box.offsetWidth; // restarts the animation
      box.classList.add("flash");
      announce("Time is up");
      chime();
    }
  }

  box.addEventListener("animationend", () => box.classList.remove("flash"));
  update();
  return update;
}
