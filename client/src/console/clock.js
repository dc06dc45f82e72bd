// Timers as the contract gives them (docs/protocol.md, TIMER): what is left,
// in words and digits, counted down on this device from the server's clock.

/** A timer now: {state: "stopped"|"running"|"paused"|"ended", left, duration} in seconds. */
export function timerNow(timer, nowMs) {
  const duration = timer && Number.isFinite(timer.duration) ? timer.duration : 0;
  if (!timer || timer.state === "stopped") return { state: "stopped", left: 0, duration };
  if (timer.state === "paused") return { state: "paused", left: Math.max(0, timer.remaining || 0), duration };
  const left = Math.max(0, timer.ends_at - nowMs / 1000);
  return { state: left > 0 ? "running" : "ended", left, duration };
}

/** Seconds as the clock shows them: 4:05, or 1:02:03 from an hour up. Rounded up, so 0:00 is the end. */
export function formatClock(seconds) {
  const whole = Math.ceil(Math.max(0, seconds) - 1e-6);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const two = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

export const STATE_WORDS = {
  stopped: "Stopped",
  running: "Running",
  paused: "Paused",
  ended: "Time is up",
};

/** What a screen reader says about a timer. */
export function spokenTimer(now) {
  if (now.state === "stopped") return "Timer stopped";
  if (now.state === "ended") return "Time is up";
  const whole = Math.ceil(now.left);
  const minutes = Math.floor(whole / 60);
  const seconds = whole % 60;
  const parts = [];
  if (minutes) parts.push(`${minutes} ${minutes === 1 ? "minute" : "minutes"}`);
  if (seconds || !minutes) parts.push(`${seconds} ${seconds === 1 ? "second" : "seconds"}`);
  return `${parts.join(" ")} left${now.state === "paused" ? ", paused" : ""}`;
}

/** Two timers that show the same thing (rooms started together). */
export function sameTimer(a, b) {
  if (!a || !b || a.state !== b.state) return false;
  if (a.state === "running") return Math.abs(a.ends_at - b.ends_at) < 0.5;
  if (a.state === "paused") return Math.abs(a.remaining - b.remaining) < 0.5;
  return true;
}

/**
 * Calls onEnd(key) once when a timer this page saw running with time left
 * reaches its end: by running out, or because time was taken away.
 * watch(key, timer, nowMs) is called on every tick for every timer shown.
 */
export function endWatcher(onEnd) {
  const running = new Set(); // keys seen running with time left, not yet ended
  return function watch(key, timer, nowMs) {
    if (!timer || timer.state !== "running") {
      running.delete(key);
      return false;
    }
    if (timer.ends_at - nowMs / 1000 > 0) {
      running.add(key);
      return false;
    }
    if (!running.delete(key)) return false;
    onEnd(key);
    return true;
  };
}

// Rooms started together end on the same tick: they ring once.
const TOGETHER_MS = 2000;

/**
 * The end of a timer on a shared screen: the chime, the spoken words, and a
 * flash for flashMs that `flashing()` reports. watch() as endWatcher's.
 */
export function endAlarm(sound, say, flashMs = 8000) {
  let until = 0;
  let rang = -Infinity;
  const watch = endWatcher(() => {
    const now = Date.now();
    until = now + flashMs;
    if (now - rang < TOGETHER_MS) return;
    rang = now;
    sound.play();
    say("Time is up.");
  });
  return { watch, flashing: () => Date.now() < until };
}
