// Joining and watching: the join code and its QR, printable join cards per
// room, and read-only links (the wall, the observers' page, each room's
// board) to copy.
import { el } from "../dom.js";
import { roomList } from "./phases.js";
import { issueToken, publicHost, publicOrigin } from "./session.js";
import { modalDialog } from "./ui.js";

export const qrSrc = (code, room = null) =>
  `/join/${encodeURIComponent(code)}/qr.svg${room ? `?room=${encodeURIComponent(room)}` : ""}`;

/** Copy text; where the clipboard is not allowed (http on a LAN), select it in `field` for Ctrl+C. */
export async function copyText(text, field, say, what) {
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    copied = await navigator.clipboard.writeText(text).then(() => true, () => false);
  }
  if (!copied && field) {
    field.focus();
    field.select();
    copied = document.execCommand("copy");
  }
  say(copied ? `Copied the ${what}.` : `The ${what} is selected. Press Ctrl+C, or hold it and choose Copy.`);
}

/** A link in a read-only field with Copy and Open buttons. */
function linkRow(label, url, what, say) {
  const field = el("input", { class: "link-field", readonly: "", "aria-label": label });
  field.value = url;
  return el("div", { class: "link-row" },
    el("p", { class: "link-label" }, label),
    el("div", { class: "link-line" }, field,
      el("button", { type: "button", class: "small secondary", "aria-label": `Copy the ${what}`,
        onclick: () => copyText(url, field, say, what) }, "Copy"),
      el("a", { class: "small-link", href: url, target: "_blank", rel: "noopener", "aria-label": `Open the ${what}` }, "Open")));
}

export function sharePanel({ session, say, problem, channel }) {
  const $ = (id) => document.getElementById(id);
  const links = $("share-links");
  let shownJoin = "";
  let tokens = null;
  let asked = false;
  modalDialog($("join-dialog"), $("show-join"), $("join-dialog-close"));

  async function fetchTokens(state) {
    asked = true;
    try {
      tokens = { viewer: await issueToken(session, "viewer"), observer: await issueToken(session, "observer") };
    } catch (err) {
      asked = false;
      const words = err instanceof TypeError ? "No connection to the server." : err.message;
      links.replaceChildren(el("p", { class: "error" }, `The links could not be made: ${words}`),
        el("button", { type: "button", class: "small secondary", onclick: () => fetchTokens(state) }, "Try again"));
      return;
    }
    drawLinks(state);
  }

  function drawLinks(state) {
    const origin = publicOrigin(channel.publicUrl);
    const id = encodeURIComponent(session.workshop);
    const board = (room, token, role) => `${origin}/board#${new URLSearchParams({
      workshop: session.workshop, room: room[0], token, role, name: room[1].name,
    })}`;
    const rooms = roomList(state);
    links.replaceChildren(
      linkRow("Wall display (for the projector)", `${origin}/wall#workshop=${id}&token=${encodeURIComponent(tokens.viewer)}`, "wall link", say),
      // Remote watchers: every room, filtered as observers see it, and nobody in the hall sees them.
      linkRow("Observer page (to watch from elsewhere)", `${origin}/observe#workshop=${id}&token=${encodeURIComponent(tokens.observer)}`,
        "observer page link", say),
      el("details", { class: "room-links" },
        el("summary", {}, `Board links per room (${rooms.length} rooms)`),
        el("p", { class: "help" }, "Viewer: sees the board and who is there. Observer: watches the room from elsewhere, never who is there, nor notes that stay in the room."),
        ...rooms.flatMap((room) => [
          linkRow(`${room[1].name}: viewer`, board(room, tokens.viewer, "viewer"), `viewer link for ${room[1].name}`, say),
          // The observer page, on this room alone: a fresh copy on every
          // connection, so a note hidden meanwhile never lingers there.
          linkRow(`${room[1].name}: observer`,
            `${origin}/observe#workshop=${id}&token=${encodeURIComponent(tokens.observer)}&room=${encodeURIComponent(room[0])}`,
            `observer link for ${room[1].name}`, say),
        ])),
    );
  }

  function render(state) {
    const code = state.workshop.join_code;
    const rooms = roomList(state);
    const key = JSON.stringify([code, rooms.map(([id, room]) => [id, room.name])]);
    if (key !== shownJoin) {
      shownJoin = key;
      $("join-code").textContent = code;
      $("head-code").textContent = code;
      const joinUrl = `${publicOrigin(channel.publicUrl)}/join/${encodeURIComponent(code)}`;
      $("join-link").textContent = joinUrl.replace(/^https?:\/\//, "");
      $("join-link").href = joinUrl;
      const qr = $("join-qr");
      qr.src = qrSrc(code);
      qr.hidden = false;
      $("join-dialog-qr").src = qrSrc(code);
      $("join-dialog-code").textContent = code;
      $("join-dialog-url").textContent = `${publicHost(channel.publicUrl)}/join`;
      const print = (which) => `${location.pathname}#${new URLSearchParams({ workshop: session.workshop, print: which })}`;
      $("print-links").replaceChildren(
        el("li", {}, el("a", { class: "big-link", href: print("all"), target: "_blank" }, "All rooms: one card per page")),
        ...rooms.map(([id, room]) => el("li", {}, el("a", {
          class: "big-link", href: print(id), target: "_blank",
        }, `Card for ${room.name}`))),
      );
      if (tokens) drawLinks(state);
    }
    if (!tokens && !asked) fetchTokens(state);
  }

  return { render };
}

/** The printable cards: one per room (or the one asked for), a page each. */
export function printView(state, which, publicUrl) {
  const rooms = roomList(state).filter(([id]) => which === "all" || id === which);
  const host = publicHost(publicUrl);
  const code = state.workshop.join_code;
  document.getElementById("print-cards").replaceChildren(...rooms.map(([id, room]) => el("article", { class: "join-card" },
    el("p", { class: "card-workshop" }, state.workshop.title),
    el("h2", { class: "card-room" }, room.name),
    el("img", { class: "card-qr", src: qrSrc(code, id), alt: `QR code: join ${room.name}`, width: "320", height: "320" }),
    el("p", { class: "card-how" }, "Scan the code with your tablet's camera, or go to"),
    el("p", { class: "card-url" }, `${host}/join`),
    el("p", { class: "card-how" }, "and type the code"),
    el("p", { class: "card-code" }, code),
    // The join page asks for no room: only the QR code's link names one.
    el("p", { class: "card-how" }, `The QR code seats you at “${room.name}”; the typed code at the emptiest table.`))));
  document.title = rooms.length === 1 ? `Join card: ${rooms[0][1].name}` : `Join cards: ${state.workshop.title}`;
}
