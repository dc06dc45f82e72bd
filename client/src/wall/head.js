// Above the rooms, on the wall and the observers' page: the workshop's title,
// the phase of the rooms on screen, the big timer and the banner
// (#wall-title, #wall-phase, #wall-timer and #wall-banner of the page).
import { endAlarm, formatClock, spokenTimer, STATE_WORDS, timerNow } from "../console/clock.js";
import { phaseLabel, roomList } from "../console/phases.js";
import { shownTimer } from "../console/timer.js";

const FLASH_MS = 8000;

/**
 * render(state, ids) shows the title (after `titlePrefix`), the phase of
 * rooms `ids` and the banner; tick(state, now, ids) their timer, and returns
 * whether their timers differ. At a timer's end, sound.play() and say().
 */
export function workshopHead({ titlePrefix, sound, say }) {
  const $ = (id) => document.getElementById(id);
  const alarm = endAlarm(sound, say, FLASH_MS);
  const timerBox = $("wall-timer");

  function render(state, ids) {
    document.title = `${titlePrefix}: ${state.workshop.title}`;
    $("wall-title").textContent = state.workshop.title;
    const phases = new Set(ids.map((id) => state.rooms[id]?.phase ?? null));
    $("wall-phase").textContent = phases.size === 1
      ? phaseLabel(state, [...phases][0]).replace(/^No phase: everything open$/, "")
      : "Rooms are in different phases";
    const banner = state.banner || "";
    $("wall-banner").textContent = banner;
    $("wall-banner").hidden = !banner;
  }

  function tick(state, now, ids) {
    for (const [id, room] of roomList(state)) alarm.watch(id, room.timer, now);
    const { timer, mixed } = shownTimer(state, ids);
    const shown = timerNow(timer, now);
    timerBox.hidden = mixed || shown.state === "stopped";
    timerBox.dataset.state = shown.state;
    timerBox.classList.toggle("flash", alarm.flashing() && shown.state === "ended");
    timerBox.querySelector(".wall-timer-time").textContent = shown.state === "ended" ? "0:00" : formatClock(shown.left);
    timerBox.querySelector(".wall-timer-state").textContent = shown.state === "running" ? "" : STATE_WORDS[shown.state];
    timerBox.setAttribute("aria-label", spokenTimer(shown));
    return mixed;
  }

  return { render, tick };
}

const TICK_MS = 250;

/**
 * Count the header's timer and the tiles' down from the channel's state, four
 * times a second. Returns the tick, to call at once after a new state.
 */
export function ticking(channel, head, grid) {
  const tick = () => {
    const state = channel.state;
    if (!state) return;
    const now = channel.serverNow();
    const mixed = head.tick(state, now, grid.shownIds(state));
    grid.tick(state, now, mixed);
  };
  setInterval(tick, TICK_MS);
  return tick;
}
