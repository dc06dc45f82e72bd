// The gallery walk on the tablet (docs/protocol.md, "Gallery walk"). While
// this room's phase opens "gallery", a bar offers each other table's board
// to visit, read only, and a build-on to leave there: the server writes it
// into that board's lane (buildons.js), labelled with this table, never a
// person. When the walk ends the tablet comes back to its own board.
import { el } from "./dom.js";
import { announce } from "./notice.js";

export const GALLERY_TEXT = "Gallery walk: visit the other tables, read their ideas and leave a build-on.";
export const ENDED_TEXT = "The gallery walk has ended";
export const MAX_BUILDON = 300;

const icon = (text) => el("span", { "aria-hidden": "true" }, text);

/** Why a build-on was not sent, in plain words: the server's own detail where it gave one. */
function refusal(err) {
  if (err?.code === "offline") return "Not connected: try again when the top says Online";
  if (err?.code === "timeout") return "The server did not answer: try again";
  return err?.detail || "Your build-on was not sent; try again";
}

/**
 * Follows `connection` (connection.js): the gallery bar, the visit's banner
 * and the build-on dialog. say(message) shows what everyone must see.
 */
export function galleryWalk(connection, say) {
  const bar = document.getElementById("gallery");
  const barIcon = bar.querySelector(".gallery-icon");
  const text = bar.querySelector(".notice-text");
  const actions = bar.querySelector(".gallery-actions");
  const back = el("button", { type: "button", class: "big-button secondary gallery-back", onclick: () => goHome() });
  const leave = el("button", { type: "button", class: "big-button gallery-buildon", onclick: () => compose() },
    icon("💬"), " Leave a build-on");
  const form = buildonDialog(connection, say);
  let drawn = "";

  const homeName = () => connection.room?.name || connection.session.room.name;
  // Not while everyone looks at one table: the spotlight comes first.
  const rooms = () => (connection.state?.spotlight ? [] : connection.gallery);

  // On a visit the build-on is the main thing to do; at home, visiting is.
  function visitButton({ room, name }, away) {
    const kind = away ? "big-button secondary gallery-visit" : "big-button gallery-visit";
    return el("button", { type: "button", class: kind, "data-room": room, onclick: () => go(room) },
      icon("🚶"), ` Visit ${name}`);
  }

  // Each tap leaves the keyboard where the person now is.
  function go(room) {
    connection.visit(room);
    const visiting = connection.shown?.visiting;
    if (!visiting) return;
    announce(`You are visiting ${visiting.name} — read only`);
    back.focus();
  }

  function goHome() {
    const left = connection.shown?.visiting?.room;
    connection.visit(null);
    announce(`Back at ${homeName()}`);
    [...actions.querySelectorAll(".gallery-visit")].find((button) => button.dataset.room === left)?.focus();
  }

  function render() {
    const open = rooms();
    const visiting = connection.shown?.visiting ?? null;
    bar.hidden = !open.length;
    bar.classList.toggle("away", Boolean(visiting));
    document.body.classList.toggle("visiting", Boolean(visiting));
    if (!open.length) form.close();
    const key = JSON.stringify([open, visiting, homeName()]);
    if (!open.length || key === drawn) return;
    drawn = key;
    barIcon.textContent = visiting ? "👀" : "🚶";
    text.textContent = visiting ? `You are visiting ${visiting.name} — read only` : GALLERY_TEXT;
    back.replaceChildren(icon("↩"), ` Back to ${homeName()}`);
    const others = open.filter((entry) => entry.room !== visiting?.room)
      .map((entry) => visitButton(entry, Boolean(visiting)));
    actions.replaceChildren(...(visiting ? [back, leave, ...others] : [...others, leave]));
    leave.classList.toggle("secondary", !visiting);
  }

  function compose() {
    const visiting = connection.shown?.visiting;
    form.open(visiting ? [visiting] : rooms());
  }

  connection.on("state", render);
  connection.on("board", render);
  connection.on("visit-ended", () => say(`${ENDED_TEXT}. You are back at ${homeName()}.`));
  render();
}

/** The "Leave a build-on" dialog: open(rooms) with the room visited, or the rooms to choose from. */
function buildonDialog(connection, say) {
  const dialog = document.getElementById("buildon-dialog");
  const choices = dialog.querySelector(".buildon-rooms");
  const picker = choices.querySelector(".buildon-room-choices");
  const label = dialog.querySelector("label[for='buildon-text']");
  const field = dialog.querySelector("#buildon-text");
  const count = dialog.querySelector(".buildon-chars");
  const error = dialog.querySelector(".buildon-error");
  const send = dialog.querySelector(".send");
  let target = null;
  let sending = false;

  const showCount = () => {
    count.textContent = `${field.value.length} of ${MAX_BUILDON} characters`;
  };
  const showError = (message) => {
    error.textContent = message;
    error.hidden = !message;
  };
  function choose(room) {
    target = room;
    label.textContent = `Your build-on for ${room.name}`;
    for (const input of picker.querySelectorAll("input")) input.checked = input.value === room.room;
  }

  async function submit() {
    const words = field.value.trim();
    if (!words) {
      showError("Write your build-on first");
      field.focus();
      return;
    }
    if (sending || !target) return;
    sending = true;
    send.disabled = true;
    showError("");
    const room = target;
    try {
      await connection.channel.request("buildon.add", { room: room.room, text: words });
      field.value = "";
      dialog.close();
      say(`Sent to ${room.name}'s board`);
    } catch (err) {
      showError(refusal(err));
    } finally {
      sending = false;
      send.disabled = false;
    }
  }

  field.setAttribute("maxlength", String(MAX_BUILDON));
  field.addEventListener("input", () => {
    showCount();
    showError("");
  });
  send.addEventListener("click", submit);
  dialog.querySelector(".cancel").addEventListener("click", () => dialog.close());

  return {
    open(rooms) {
      if (!rooms.length) return;
      // A choice only when the build-on is written at home, for any table.
      choices.hidden = rooms.length < 2 || Boolean(connection.shown?.visiting);
      picker.replaceChildren(...rooms.map((room) => el("label", { class: "buildon-room" },
        el("input", { type: "radio", name: "buildon-room", value: room.room, onchange: () => choose(room) }),
        ` ${room.name}`)));
      choose(rooms.find((room) => room.room === target?.room) || rooms[0]);
      showCount();
      showError("");
      dialog.showModal();
      field.focus();
    },
    close() {
      if (dialog.open) dialog.close();
    },
  };
}
