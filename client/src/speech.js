// Reading aloud with this device's own voice. A device without one (no
// speech engine, or an engine with no voice installed) says so in words,
// rather than doing nothing.
import { toast } from "./notice.js";

export const NO_VOICE = "This device has no voice for reading aloud.";
// Voices load after the page does; a device that has one lists it by then.
const VOICE_WAIT_MS = 1500;

function hasVoice(synth) {
  if (synth.getVoices().length) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = () => {
      clearTimeout(timer);
      synth.removeEventListener("voiceschanged", settle);
      resolve(synth.getVoices().length > 0);
    };
    const timer = setTimeout(settle, VOICE_WAIT_MS);
    synth.addEventListener("voiceschanged", settle);
  });
}

/** Speak `text`, or show and announce that this device cannot. */
export function speak(text) {
  if (!text) return;
  const synth = window.speechSynthesis;
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function") {
    toast(NO_VOICE);
    return;
  }
  // Spoken at once, inside the tap: some browsers speak only then.
  synth.cancel();
  synth.speak(new SpeechSynthesisUtterance(text));
  hasVoice(synth).then((found) => {
    if (!found) toast(NO_VOICE);
  });
}
