// The end-of-timer chime: a short two-note tone made with Web Audio, so no
// sound file is needed. Browsers start audio only after a tap or a key, so
// the first one on the page unlocks it. Muting is kept on this device.

/** A chime with a mute kept under storageKey; button (optional) toggles it and says which, in `words`. */
export function chime(storageKey, button = null, words = ["End sound: on", "End sound: off"]) {
  let context = null;
  let muted = localStorage.getItem(storageKey) === "muted";
  const Context = window.AudioContext || window.webkitAudioContext;

  const unlock = () => {
    if (!Context) return;
    if (!context) context = new Context();
    if (context.state === "suspended") context.resume();
  };
  for (const event of ["pointerdown", "keydown"]) document.addEventListener(event, unlock, { capture: true });

  const show = () => {
    if (!button) return;
    button.classList.toggle("muted", muted);
    button.querySelector("[aria-hidden]").textContent = muted ? "🔕" : "🔔";
    button.querySelector(".mute-text").textContent = words[muted ? 1 : 0];
  };
  if (button) {
    button.addEventListener("click", () => {
      muted = !muted;
      localStorage.setItem(storageKey, muted ? "muted" : "on");
      show();
      if (!muted) play();
    });
  }
  show();

  function tone(frequency, start, length) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.4, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + length + 0.05);
  }

  function play() {
    if (muted || !Context) return;
    unlock();
    const now = context.currentTime;
    tone(880, now, 0.35);
    tone(660, now + 0.3, 0.5);
  }

  return { play, isMuted: () => muted };
}
