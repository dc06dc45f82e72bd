// The wall display (/wall#workshop=ID&token=T), projected at the front of a
// hall: every room's board live, side by side, with the timer, the banner
// and the join code above them. A tap or Enter on a room fills the wall with
// it; Escape or Back returns to every room.
import { CommandChannel, openWorkshopSocket } from "../channel.js";
import { boardServerUrl, issueToken, publicHost, takeSession, workshopSocketUrl } from "../console/session.js";
import { announcer, connectionState, modalDialog } from "../console/ui.js";
import { endAlarm, formatClock, spokenTimer, STATE_WORDS, timerNow } from "../console/clock.js";
import { chime } from "../console/chime.js";
import { phaseLabel, roomList } from "../console/phases.js";
import { qrSrc } from "../console/share.js";
import { el } from "../dom.js";
import { shownTimer } from "../console/timer.js";
import { gridFor } from "./layout.js";
import { roomTile } from "./tile.js";

const TICK_MS = 250;
const FLASH_MS = 8000;

function start() {
  const $ = (id) => document.getElementById(id);
  const session = takeSession("wall.session");
  if (!session) {
    $("tiles").replaceChildren(Object.assign(document.createElement("p"), {
      className: "no-session",
      textContent: "This wall needs its link. In the facilitator console, under Join and links, open the wall display link.",
    }));
    $("connection").textContent = "No link";
    $("connection").dataset.state = "refused";
    return;
  }
  const channel = new CommandChannel();
  const say = announcer($("announce"));
  connectionState(channel, $("connection"));
  const sound = chime("wall.sound", $("sound"));
  const tilesBox = $("tiles");
  const tiles = new Map();
  let people = null;
  let focused = null;
  let focusedBySpotlight = false;
  let returnTo = null; // the room whose button gets the keyboard back
  let lastSpotlight = null;

  // ---- The join code, one tap away ----
  const joinDialog = $("join-dialog");
  modalDialog(joinDialog, $("join-button"), $("join-close"));

  // ---- One room on the whole wall ----
  function showRoom(id) {
    focused = id && tiles.has(id) ? id : null;
    for (const [roomId, tile] of tiles) {
      tile.node.hidden = focused !== null && roomId !== focused;
      tile.setFocused(roomId === focused);
    }
    $("back").hidden = focused === null;
    document.body.classList.toggle("one-room", focused !== null);
    if (focused === null && returnTo) {
      // Back on every room: the keyboard is on the room it came from.
      tiles.get(returnTo)?.open.focus();
      returnTo = null;
    }
    layout();
    if (channel.state) renderHead(channel.state);
    tick();
  }
  function openRoom(id, bySpotlight = false) {
    if (focused === id) return;
    focusedBySpotlight = bySpotlight;
    if (focused === null) history.pushState({ wallRoom: id }, "");
    else history.replaceState({ wallRoom: id }, "");
    showRoom(id);
    $("back").focus();
    say(`${channel.state?.rooms[id]?.name || id} fills the wall. Press Escape to see every room.`);
  }
  function backToAll() {
    if (focused === null) return;
    returnTo = focused;
    focusedBySpotlight = false;
    if (history.state && history.state.wallRoom) history.back();
    else showRoom(null);
  }
  window.addEventListener("popstate", (event) => showRoom(event.state ? event.state.wallRoom || null : null));
  $("back").addEventListener("click", backToAll);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !joinDialog.open && focused !== null) backToAll();
  });

  // ---- The grid ----
  // A cell the rooms leave free (3 rooms in a 2 × 2 grid) shows how to join.
  const joinTile = el("aside", { class: "join-tile", "aria-labelledby": "join-tile-title", hidden: "" },
    el("h2", { id: "join-tile-title" }, "Join"),
    el("div", { class: "join-tile-body" },
      el("img", { class: "qr", alt: "QR code: scan it to join" }),
      el("div", {},
        el("p", { class: "join-tile-url" }),
        el("p", { class: "join-tile-code" }))));
  function layout() {
    const shown = focused ? 1 : tiles.size;
    const { columns, rows } = gridFor(shown, tilesBox.clientWidth, tilesBox.clientHeight);
    tilesBox.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    tilesBox.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`;
    tilesBox.dataset.columns = String(columns);
    const spare = !focused && shown > 0 && columns * rows > shown;
    joinTile.hidden = !spare;
    if (spare && tilesBox.lastElementChild !== joinTile) tilesBox.append(joinTile);
  }
  new ResizeObserver(layout).observe(tilesBox);

  // The rooms' boards open with a viewer's token, so that the server keeps
  // them read only also when this wall was opened with a facilitator's link.
  let boardToken = null;
  async function viewerToken(hello) {
    if (!hello.you || hello.you.role !== "facilitator") return session.token;
    try {
      return await issueToken(session, "viewer");
    } catch (err) {
      // Offline for a moment: the boards use this link's token instead.
      return session.token;
    }
  }

  function syncTiles(state) {
    if (!boardToken) return;
    const rooms = roomList(state);
    let changed = false;
    for (const [id] of rooms) {
      if (tiles.has(id)) continue;
      tiles.set(id, roomTile({ serverUrl: boardServerUrl(session), token: boardToken, id, onOpen: (room) => openRoom(room) }));
      changed = true;
    }
    for (const [id, tile] of tiles) {
      if (state.rooms[id]) continue;
      tile.destroy();
      tiles.delete(id);
      if (focused === id) focused = null;
      changed = true;
    }
    const order = rooms.map(([id]) => tiles.get(id).node);
    if (changed || order.some((node, i) => tilesBox.children[i] !== node)) {
      tilesBox.replaceChildren(...order);
      showRoom(focused);
    }
  }

  // ---- The state ----
  function renderHead(state) {
    document.title = `Wall: ${state.workshop.title}`;
    $("wall-title").textContent = state.workshop.title;
    const ids = focused ? [focused] : roomList(state).map(([id]) => id);
    const phases = new Set(ids.map((id) => state.rooms[id]?.phase ?? null));
    $("wall-phase").textContent = phases.size === 1
      ? phaseLabel(state, [...phases][0]).replace(/^No phase: everything open$/, "")
      : "Rooms are in different phases";
  }

  function render(state) {
    syncTiles(state);
    renderHead(state);
    const code = state.workshop.join_code;
    $("join-code-small").textContent = code;
    $("join-code").textContent = code;
    $("join-url").textContent = `${publicHost(channel.publicUrl)}/join`;
    const qr = qrSrc(code);
    if ($("join-qr").getAttribute("src") !== qr) $("join-qr").src = qr;
    const tileQr = joinTile.querySelector("img");
    if (tileQr.getAttribute("src") !== qr) tileQr.src = qr;
    joinTile.querySelector(".join-tile-url").textContent = `${publicHost(channel.publicUrl)}/join`;
    joinTile.querySelector(".join-tile-code").textContent = code;
    const banner = state.banner || "";
    $("wall-banner").textContent = banner;
    $("wall-banner").hidden = !banner;
    for (const [id, tile] of tiles) tile.update(state, state.rooms[id], people);

    const spotlight = state.spotlight ? state.spotlight.room : null;
    if (spotlight !== lastSpotlight) {
      lastSpotlight = spotlight;
      if (spotlight && tiles.has(spotlight)) openRoom(spotlight, true);
      else if (!spotlight && focusedBySpotlight) backToAll();
    }
    tick();
  }

  const alarm = endAlarm(sound, say, FLASH_MS);
  const timerBox = $("wall-timer");
  function tick() {
    const state = channel.state;
    if (!state) return;
    const now = channel.serverNow();
    for (const [id, room] of roomList(state)) alarm.watch(id, room.timer, now);
    const ids = focused ? [focused] : roomList(state).map(([id]) => id);
    const { timer, mixed } = shownTimer(state, ids);
    const shown = timerNow(timer, now);
    const flashing = alarm.flashing();
    timerBox.hidden = mixed || shown.state === "stopped";
    timerBox.dataset.state = shown.state;
    timerBox.classList.toggle("flash", flashing && shown.state === "ended");
    timerBox.querySelector(".wall-timer-time").textContent = shown.state === "ended" ? "0:00" : formatClock(shown.left);
    timerBox.querySelector(".wall-timer-state").textContent = shown.state === "running" ? "" : STATE_WORDS[shown.state];
    timerBox.setAttribute("aria-label", spokenTimer(shown));
    for (const [, tile] of tiles) tile.tick(state, now, mixed && !focused);
  }
  setInterval(tick, TICK_MS);

  channel.on("state", render);
  channel.on("connect", async (hello) => {
    if (!boardToken) {
      boardToken = await viewerToken(hello);
      if (channel.state) render(channel.state);
    }
    if (hello.you && hello.you.role === "facilitator") {
      const result = await channel.request("people").catch(() => null);
      if (result) people = result.people || [];
      if (channel.state) render(channel.state);
    }
  });
  // Results come pushed when the facilitator reveals; a wall opened after
  // that asks for them.
  channel.on("vote.results", (data) => tiles.get(data.room)?.showResults(data));
  const askedResults = new Set();
  channel.on("state", (state) => {
    for (const [id, room] of Object.entries(state.rooms || {})) {
      const vote = room.vote;
      if (!vote || vote.state !== "revealed" || askedResults.has(vote.id)) continue;
      askedResults.add(vote.id);
      channel.request("vote.results", { room: id }).then((data) => tiles.get(id)?.showResults(data), () => {});
    }
  });
  channel.on("people", (data) => {
    people = data.people || [];
    if (channel.state) render(channel.state);
  });
  openWorkshopSocket(workshopSocketUrl(session), channel);
  // For the browser tests: the live channel and each room's doc.
  window.wall = { channel, tiles };
}

start();
