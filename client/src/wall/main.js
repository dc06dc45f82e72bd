// The wall display (/wall#workshop=ID&token=T), projected at the front of a
// hall: every room's board live, side by side (grid.js), with the timer, the
// banner (head.js) and the join code above them. A tap or Enter on a room
// fills the wall with it; Escape or Back returns to every room.
import { CommandChannel, openWorkshopSocket } from "../channel.js";
import { publicHost, takeSession, workshopSocketUrl } from "../console/session.js";
import { announcer, connectionState, modalDialog } from "../console/ui.js";
import { chime } from "../console/chime.js";
import { qrSrc } from "../console/share.js";
import { el } from "../dom.js";
import { roomGrid } from "./grid.js";
import { ticking, workshopHead } from "./head.js";


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
  const head = workshopHead({ titlePrefix: "Wall", sound: chime("wall.sound", $("sound")), say });

  // ---- The join code, one tap away ----
  const joinDialog = $("join-dialog");
  modalDialog(joinDialog, $("join-button"), $("join-close"));

  // ---- The rooms ----
  // A cell the rooms leave free (3 rooms in a 2 × 2 grid) shows how to join.
  const joinTile = el("aside", { class: "join-tile", "aria-labelledby": "join-tile-title", hidden: "" },
    el("h2", { id: "join-tile-title" }, "Join"),
    el("div", { class: "join-tile-body" },
      el("img", { class: "qr", alt: "QR code: scan it to join" }),
      el("div", {},
        el("p", { class: "join-tile-url" }),
        el("p", { class: "join-tile-code" }))));
  // The rooms' boards open with a viewer's token, so that the server keeps
  // them read only also when this wall was opened with a facilitator's link.
  const grid = roomGrid({
    box: $("tiles"), channel, session, say, boardRole: "viewer", back: $("back"), spare: joinTile, followSpotlight: true,
  });
  grid.on("shown", () => {
    if (channel.state) head.render(channel.state, grid.shownIds(channel.state));
    tick();
  });
  let people = null;

  // ---- The state ----
  function render(state) {
    grid.render(state, people);
    head.render(state, grid.shownIds(state));
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
    tick();
  }

  const tick = ticking(channel, head, grid);

  channel.on("state", render);
  channel.on("connect", async (hello) => {
    if (hello.you && hello.you.role === "facilitator") {
      const result = await channel.request("people").catch(() => null);
      if (result) people = result.people || [];
      if (channel.state) render(channel.state);
    }
  });
  channel.on("people", (data) => {
    people = data.people || [];
    if (channel.state) render(channel.state);
  });
  openWorkshopSocket(workshopSocketUrl(session), channel);
  // For the browser tests: the live channel and each room's tile.
  window.wall = { channel, tiles: grid.tiles };
}

start();
