// The observers' page (/observe#workshop=ID&token=T, optionally &room=ID):
// remote stakeholders watch a workshop live, read only, and nobody in the
// hall sees them. Every room side by side, or one room, as on the wall
// (grid.js), with the phase, timer, banner and revealed results (head.js).
// It offers nothing to take part with: no notes, votes or drafts, only
// which room to watch. The boards open with an observer's token, so the
// server sends a filtered copy of each (no hidden or sensitive notes, no
// names) and no presence; each connection starts from a new document.
import { CommandChannel, openWorkshopSocket } from "../channel.js";
import { takeSession, workshopSocketUrl } from "../console/session.js";
import { announcer, connectionState } from "../console/ui.js";
import { roomList } from "../console/phases.js";
import { el } from "../dom.js";
import { roomGrid } from "../wall/grid.js";
import { ticking, workshopHead } from "../wall/head.js";

// Nobody is in the hall to hear it: the end of a timer flashes and is spoken only.
const SILENT = { play() {} };

/** The room the address names (#room=ID), or null. */
function roomInAddress() {
  return new URLSearchParams(location.hash.slice(1)).get("room") || null;
}

/** The address that shows room `id` (every room for null), keeping the rest of the fragment. */
function roomAddress(id) {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (id) hash.set("room", id);
  else hash.delete("room");
  const rest = hash.toString();
  return location.pathname + location.search + (rest ? `#${rest}` : "");
}

function start() {
  const $ = (id) => document.getElementById(id);
  // The token leaves the address bar here and is kept on this device.
  const session = takeSession("observe.session");
  if (!session) {
    $("tiles").replaceChildren(el("p", { class: "no-session" },
      "This page needs its observer link. Ask the facilitator for the observer link of this workshop."));
    $("connection").textContent = "No link";
    $("connection").dataset.state = "refused";
    $("room-picker").parentElement.hidden = true;
    return;
  }
  const channel = new CommandChannel();
  const say = announcer($("announce"));
  connectionState(channel, $("connection"));
  const head = workshopHead({ titlePrefix: "Watching", sound: SILENT, say });

  // A room named in the address fills the screen once its tile is there.
  const named = roomInAddress();
  if (named) history.replaceState({ wallRoom: named }, "", roomAddress(named));
  // Opened with a facilitator's link (to see what observers see), the
  // boards still open as an observer's.
  const grid = roomGrid({
    box: $("tiles"), channel, session, say, boardRole: "observer", fresh: true, where: "screen", words: true,
    roomUrl: roomAddress,
  });

  // ---- Which room: every room, or one ----
  const picker = $("room-picker");
  picker.addEventListener("change", () => {
    if (picker.value) grid.openRoom(picker.value);
    else grid.backToAll();
    // The keyboard stays on the picker, not on a tile.
    picker.focus();
  });
  function renderPicker(state) {
    const options = [["", "All rooms"], ...roomList(state).map(([id, room]) => [id, room.name])];
    const key = JSON.stringify(options);
    if (picker.dataset.key !== key) {
      picker.dataset.key = key;
      picker.replaceChildren(...options.map(([id, name]) => el("option", { value: id }, name)));
    }
    picker.value = grid.focused() || "";
  }

  grid.on("shown", () => {
    // A tile's button hides once its room fills the screen: the keyboard goes to the picker.
    const active = document.activeElement;
    if (active && active !== document.body && !active.checkVisibility()) picker.focus();
    if (channel.state) {
      head.render(channel.state, grid.shownIds(channel.state));
      renderPicker(channel.state);
    }
    tick();
  });

  function render(state) {
    grid.render(state, null);
    head.render(state, grid.shownIds(state));
    renderPicker(state);
    tick();
  }

  const tick = ticking(channel, head, grid);

  channel.on("state", render);
  openWorkshopSocket(workshopSocketUrl(session), channel);
  // For the browser tests: the live channel and each room's tile.
  window.observe = { channel, tiles: grid.tiles };
}

start();
