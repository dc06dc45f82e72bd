// Messages for the person at this device: the live region speaks them to
// screen readers, and a toast shows those that everyone must see.

const TOAST_MS = 10_000;
let toastTimer = 0;

/** Spoken by screen readers: what a keyboard drop or a tap just did. */
export function announce(message) {
  if (!message) return;
  // Emptied first, so that the same message twice is spoken twice.
  const region = document.getElementById("announce");
  region.textContent = "";
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/** Shown on screen until OK is tapped (or for a while), and announced. */
export function toast(message) {
  const box = document.getElementById("toast");
  box.querySelector(".toast-text").textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    box.hidden = true;
  }, TOAST_MS);
  announce(message);
}

/** Wires the toast's OK button; call once. */
export function toastButton() {
  const box = document.getElementById("toast");
  box.querySelector("button").addEventListener("click", () => {
    clearTimeout(toastTimer);
    box.hidden = true;
  });
}
