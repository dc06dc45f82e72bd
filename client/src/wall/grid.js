// The rooms' boards side by side in a grid that fills the screen, or one
// room filling it (a tap or Enter on its tile; Escape or Back for every
// room again), each with its revealed vote results. The wall display and the
// observers' page both show their rooms this way.
import { boardServerUrl, issueToken } from "../console/session.js";
import { roomList } from "../console/phases.js";
import { Emitter } from "../emitter.js";
import { gridFor } from "./layout.js";
import { roomTile } from "./tile.js";

/**
 * Tiles in `box` for the rooms of channel.state. Their boards open with this
 * page's token, or, when it is a facilitator's, with one of `boardRole`, so
 * that the server shows them as that role. `fresh`: a new document per
 * connection (see feed.js). `where` the one room fills, in words. `words`:
 * each board also as a list for screen readers. Optional:
 * `back`, the button back to every room; `spare`, what fills a cell the rooms
 * leave free; `followSpotlight`, the spotlit room fills the screen while it
 * lasts; `roomUrl(id | null)`, the address that shows that room.
 * Emits "shown" with the room that fills the screen, or null.
 */
export function roomGrid({
  box, channel, session, say, boardRole, fresh = false, where = "wall", words = false, back = null, spare = null,
  followSpotlight = false, roomUrl = null,
}) {
  const events = new Emitter();
  const tiles = new Map();
  let people = null;
  let focused = null;
  let focusedBySpotlight = false;
  let returnTo = null; // the room whose tile gets the keyboard back
  let lastSpotlight = null;
  let boardToken = null;

  const address = (id) => (roomUrl ? roomUrl(id) : undefined);

  function showRoom(id) {
    focused = id && tiles.has(id) ? id : null;
    for (const [roomId, tile] of tiles) {
      tile.node.hidden = focused !== null && roomId !== focused;
      tile.setFocused(roomId === focused);
    }
    if (back) back.hidden = focused === null;
    document.body.classList.toggle("one-room", focused !== null);
    if (focused === null && returnTo) {
      // Back on every room: the keyboard is on the room it came from.
      tiles.get(returnTo)?.open.focus();
      returnTo = null;
    }
    layout();
    events.emit("shown", focused);
  }

  /** Fill the screen with room `id`; Back in the browser returns to every room. */
  function openRoom(id, bySpotlight = false) {
    if (focused === id || !tiles.has(id)) return;
    focusedBySpotlight = bySpotlight;
    if (focused === null) history.pushState({ wallRoom: id, pushed: true }, "", address(id));
    else history.replaceState({ ...history.state, wallRoom: id }, "", address(id));
    showRoom(id);
    if (back) back.focus();
    say(`${channel.state?.rooms[id]?.name || id} fills the ${where}. Press Escape to see every room.`);
  }

  function backToAll() {
    if (focused === null) return;
    returnTo = focused;
    focusedBySpotlight = false;
    if (history.state && history.state.pushed) {
      history.back();
    } else {
      // The page opened on this room (its address named it): nothing of ours to go back to.
      history.replaceState({}, "", address(null));
      showRoom(null);
    }
  }

  window.addEventListener("popstate", (event) => showRoom(event.state ? event.state.wallRoom || null : null));
  if (back) back.addEventListener("click", backToAll);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !document.querySelector("dialog[open]") && focused !== null) backToAll();
  });

  function layout() {
    const shown = focused ? 1 : tiles.size;
    const { columns, rows } = gridFor(shown, box.clientWidth, box.clientHeight);
    box.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    box.style.gridTemplateRows = `repeat(${rows}, minmax(0, 1fr))`;
    box.dataset.columns = String(columns);
    if (!spare) return;
    const free = !focused && shown > 0 && columns * rows > shown;
    spare.hidden = !free;
    if (free && box.lastElementChild !== spare) box.append(spare);
  }
  new ResizeObserver(layout).observe(box);

  async function tokenFor(hello) {
    if (!hello.you || hello.you.role !== "facilitator") return session.token;
    try {
      return await issueToken(session, boardRole);
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
      tiles.set(id, roomTile({
        serverUrl: boardServerUrl(session), token: boardToken, id, fresh, where, words, onOpen: (room) => openRoom(room),
      }));
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
    if (changed || order.some((node, i) => box.children[i] !== node)) {
      box.replaceChildren(...order);
      // A room the address names fills the screen once its tile is there.
      const named = history.state && history.state.wallRoom;
      showRoom(focused || (named && tiles.has(named) ? named : null));
    }
  }

  /** Draw the state (and, for a facilitator or a viewer, who is where). */
  function render(state, list = people) {
    people = list;
    syncTiles(state);
    for (const [id, tile] of tiles) tile.update(state, state.rooms[id], people);
    if (!followSpotlight) return;
    const spotlight = state.spotlight ? state.spotlight.room : null;
    if (spotlight !== lastSpotlight) {
      lastSpotlight = spotlight;
      if (spotlight && tiles.has(spotlight)) openRoom(spotlight, true);
      else if (!spotlight && focusedBySpotlight) backToAll();
    }
  }

  channel.on("connect", async (hello) => {
    if (boardToken) return;
    boardToken = await tokenFor(hello);
    if (channel.state) render(channel.state);
  });
  // Results come pushed when the facilitator reveals; a page opened after
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

  return {
    tiles,
    on: (event, fn) => events.on(event, fn),
    /** The room that fills the screen, or null. */
    focused: () => focused,
    /** The ids of the rooms on screen now. */
    shownIds: (state) => (focused ? [focused] : roomList(state).map(([id]) => id)),
    openRoom,
    backToAll,
    render,
    /** Each tile's timer; `mixed`: the rooms' timers differ, so each tile shows its own. */
    tick(state, now, mixed) {
      for (const [, tile] of tiles) tile.tick(state, now, mixed && !focused);
    },
  };
}
