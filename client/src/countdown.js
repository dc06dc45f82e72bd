// The room's timer on the tablet: counted down here from the server's
// ends_at, corrected by the clock offset (the server never ticks). Paused
// shows "Paused" and the time left; stopped hides it; at the end a flash,
// "Time is up" and a short chime.
import { announce } from "./notice.js";

export const CHIME_SECONDS = 0.6;
const CHIME_HZ = 880;
// Under this many seconds left, the clock turns to its "nearly done" look.
const SOON_SECONDS = 60;

/** Seconds as m:ss (mm:ss), or h:mm:ss from an hour up; never below zero. */
export function formatClock(seconds) {
  const total = Math.max(0, Math.ceil(seconds));
  const two = (n) => String(n).padStart(2, "0");
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  return hours ? `${hours}:${two(minutes)}:${two(rest)}` : `${two(minutes)}:${two(rest)}`;
}

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
 * and .countdown-label), counting by now() (server ms). Returns update(),
 * to call when the timer may have changed.
 */
export function countdown(box, timer, now) {
  const time = box.querySelector(".countdown-time");
  const label = box.querySelector(".countdown-label");
  let tick = 0;
  // The ends_at this device has seen running with time left: only that
  // timer's end chimes (a tablet that joins after the end stays quiet).
  let armed = null;

  function show(text, state) {
    if (time.textContent !== text) time.textContent = text;
    box.dataset.state = state;
  }

  function update() {
    clearTimeout(tick);
    const current = timer();
    if (!(current?.state === "running" && current.ends_at === armed)) box.classList.remove("flash");
    const left = timeLeft(current, now());
    box.hidden = left === null;
    if (left === null) {
      armed = null;
      return;
    }
    if (current.state === "paused") {
      label.textContent = "Paused";
      show(formatClock(left), "paused");
      return;
    }
    if (left > 0) {
      armed = current.ends_at;
      label.textContent = "Time left";
      show(formatClock(left), left <= SOON_SECONDS ? "soon" : "running");
      // Wake at the next whole second of the count.
      tick = setTimeout(update, (left - Math.floor(left)) * 1000 + 20 || 1000);
      return;
    }
    label.textContent = "";
    show("Time is up", "ended");
    if (armed !== null && armed === current.ends_at) {
      armed = null;
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
