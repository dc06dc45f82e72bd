// Moderation on a board the facilitator opened (the console's "Open board"):
// each note's "More" menu can hide the note (it leaves every board and goes
// to the console's Hidden notes, where it can be put back) or keep it in the
// room (it stays on the room's board, the wall and the facilitator's, but
// never reaches observers or exports). The server does both (note.hide,
// note.keep_in_room); nothing here writes the board itself.
import { el } from "./dom.js";

const NOTE = "article.note[data-note-id]";
const KEEP = ["🏠", "Keep in this room"];
const LET_GO = ["🌍", "May leave the room"];

const words = (icon, text) => [el("span", { "aria-hidden": "true" }, icon), ` ${text}`];

/** Why a moderation command failed, in plain words. */
function refusal(err) {
  if (err?.code === "offline") return "Not connected: try again when the top says Online";
  if (err?.code === "not_found") return "That note is not on the board any more";
  return err?.detail || "That did not work; try again";
}

/** "Hide this note?": resolves true when the facilitator says yes. */
function hideDialog() {
  const title = el("h2", { id: "hide-note-title" }, "Hide this note?");
  const cancel = el("button", { type: "button", class: "big-button secondary" }, "Cancel");
  const ok = el("button", { type: "button", class: "big-button danger-button" }, ...words("🙈", "Hide note"));
  const dialog = el("dialog", { id: "hide-note", class: "board-dialog", "aria-labelledby": title.id },
    title,
    el("p", {}, "It leaves every board now. It goes to ", el("strong", {}, "Hidden notes"),
      " in the facilitator console, where you can put it back."),
    el("div", { class: "dialog-actions" }, cancel, ok));
  document.body.append(dialog);
  let settle = null;
  const finish = (answer) => {
    if (dialog.open) dialog.close();
    settle?.(answer);
    settle = null;
  };
  cancel.addEventListener("click", () => finish(false));
  ok.addEventListener("click", () => finish(true));
  dialog.addEventListener("close", () => finish(false));
  return () => new Promise((resolve) => {
    settle = resolve;
    dialog.showModal();
    cancel.focus();
  });
}

/**
 * On a facilitator's board: a "More" button on every note of the surface
 * given to attach(), after each board is mounted. say(message) speaks to
 * screen readers; tell(message) shows what everyone must see.
 */
export function noteModeration(connection, { say, tell }) {
  const active = connection.session.role === "facilitator";
  const askHide = active ? hideDialog() : null;
  let observer = null;
  let open = null; // {node, menu, toggle} of the menu shown

  const room = () => connection.session.room.id;
  const kept = () => new Set(connection.room?.kept || []);
  const request = (cmd, args) => connection.channel.request(cmd, args);

  function close({ focus = false } = {}) {
    if (!open) return;
    const { menu, toggle } = open;
    open = null;
    menu.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
    if (focus && toggle.isConnected) toggle.focus();
  }

  function showKeep(button, id) {
    const on = kept().has(id);
    button.replaceChildren(...words(...(on ? LET_GO : KEEP)));
    button.dataset.on = String(on);
  }

  async function hide(id) {
    // Cancel brings the keyboard back to the note's More button.
    close({ focus: true });
    if (!(await askHide())) return;
    try {
      await request("note.hide", { room: room(), note: id });
      tell("Note hidden. Put it back from Hidden notes in the facilitator console.");
    } catch (err) {
      tell(refusal(err));
    }
  }

  async function keep(id) {
    const on = !kept().has(id);
    close({ focus: true });
    try {
      await request("note.keep_in_room", { room: room(), note: id, on });
      say(on ? "The note stays in this room: observers do not see it" : "The note may leave the room: observers see it");
    } catch (err) {
      tell(refusal(err));
    }
  }

  // The menu is built on first use: 500 notes need not carry 1,000 hidden buttons.
  function menuFor(node, toggle) {
    const id = node.dataset.noteId;
    const keepButton = el("button", { type: "button", class: "note-menu-item", onclick: () => keep(id) });
    const menu = el("div", { class: "note-menu", role: "group", "aria-label": "Note menu", hidden: "" },
      el("button", { type: "button", class: "note-menu-item", onclick: () => hide(id) }, ...words("🙈", "Hide this note")),
      keepButton);
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close({ focus: true });
    });
    menu.showKeep = () => showKeep(keepButton, id);
    node.append(menu);
    return menu;
  }

  function addToggle(node) {
    const controls = node.querySelector(":scope > .note-controls");
    if (!controls || controls.querySelector(".note-more")) return;
    let menu = null;
    const toggle = el("button", {
      type: "button", class: "icon-button note-more", "aria-label": "More for this note", "aria-expanded": "false",
      onclick: () => {
        if (open?.toggle === toggle) {
          close();
          return;
        }
        close();
        menu ??= menuFor(node, toggle);
        menu.showKeep();
        menu.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        open = { node, menu, toggle };
        menu.querySelector("button").focus();
      },
    }, ...words("⋯", "More"));
    controls.append(toggle);
  }

  function arrived(records) {
    for (const record of records) {
      for (const node of record.addedNodes) if (node.nodeType === Node.ELEMENT_NODE && node.matches(NOTE)) addToggle(node);
      if (open && !open.node.isConnected) open = null;
    }
  }

  if (active) {
    document.addEventListener("pointerdown", (event) => {
      if (open && !open.menu.contains(event.target) && !open.toggle.contains(event.target)) close();
    });
    connection.on("state", () => open?.menu.showKeep());
  }

  return {
    /** Follow the notes of this board surface (after each board is mounted). */
    attach(node) {
      observer?.disconnect();
      open = null;
      if (!active || !node) return;
      observer = new MutationObserver(arrived);
      observer.observe(node, { childList: true });
      for (const note of node.querySelectorAll(NOTE)) addToggle(note);
    },
  };
}
