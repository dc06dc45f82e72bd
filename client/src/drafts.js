// Private mode on the tablet: "My notes". While the facilitator has this
// room in private mode, Add note, Add picture and Draw make drafts that only
// this person sees. The server keeps them (the draft.* commands); nothing of
// a draft is ever written into the board's Yjs document or into awareness,
// so no other tablet receives a byte of it. The tray lists this person's
// drafts to change or delete, or to keep in the room (never shown to people
// watching from elsewhere). At the reveal the server writes them onto the
// board, without names, and its `drafts` push empties the tray.
import { el } from "./dom.js";
import { PICTURES, sketchImage, sketchStrokes } from "./notes.js";
import { announce } from "./notice.js";
import { speak } from "./speech.js";
import { KEPT_WORDS } from "./keptbadge.js";

// A pause in typing this long sends the words (and so does leaving the field).
const SAVE_AFTER_MS = 700;
// A push carries no version: one made just before this device's own last
// save may arrive after it, and must not put the older words back.
export const MAX_DRAFT_TEXT = 1000;
export const PRIVATE_TEXT = "Private time: only you can see your notes until the facilitator shows them all.";
export const WAITING_TEXT = "Your private notes wait until the facilitator shows them all. New notes go on the board.";
export const WATCHING_TEXT =
  "Private time: people write notes only they can see, until the facilitator shows them all.";
const STATUS_WORDS = { saved: "✓ Saved", saving: "Saving…", failed: "⚠ Not saved yet" };
const PICTURE_NAMES = new Map(PICTURES);
const KINDS = new Set(["text", "emoji", "sketch"]);

const byCreated = (a, b) => (a.created || 0) - (b.created || 0) || (a.id < b.id ? -1 : 1);
const same = (a, b) => a.trim() === b.trim();

// What one person may keep waiting (the server's limit, docs/protocol.md).
const MAX_DRAFTS = 100;

/** Why a draft.add was refused, in plain words. */
function addRefusal(err, stillPrivate, count) {
  const code = err?.code;
  if (code === "offline") return "Not connected: try again when the top says Online";
  if (code === "conflict" && !stillPrivate) return "Private time has ended: tap again to put your note on the board";
  if (code === "conflict" && count >= MAX_DRAFTS) {
    return `You have ${MAX_DRAFTS} private notes, the most there can be: delete one first`;
  }
  return "Your private note was not kept; try again";
}

/**
 * Follows `connection` (connection.js): the private bar, the tray, and add()
 * for the Add buttons while active(). say(message) shows what everyone must see.
 */
export function tabletDrafts(connection, say) {
  const bar = document.getElementById("private-bar");
  const tray = document.getElementById("drafts");
  const heading = tray.querySelector("h2");
  const count = tray.querySelector(".drafts-count");
  const empty = tray.querySelector(".drafts-empty");
  const list = tray.querySelector(".drafts-list");
  const toggle = tray.querySelector(".drafts-toggle");
  // Drafts are a participant's: a facilitator's board writes onto the board.
  const writer = !connection.readOnly && connection.session.role !== "facilitator";
  const entries = new Map();
  const deleting = new Set();
  let drafts = [];
  let vanished = 0; // drafts that went without this device deleting them: a reveal, once private mode is off

  const request = (cmd, args = {}) => connection.channel.request(cmd, args);
  const privateNow = () => Boolean(connection.room?.private);
  const dirty = (entry) => !same(entry.field.value, entry.base);

  function showStatus(entry) {
    const state = !dirty(entry) ? "saved" : entry.failed && !entry.sending && !entry.timer ? "failed" : "saving";
    if (entry.status.dataset.state === state) return;
    entry.status.dataset.state = state;
    entry.status.textContent = STATUS_WORDS[state];
  }

  async function save(entry) {
    clearTimeout(entry.timer);
    entry.timer = 0;
    if (entry.sending) {
      entry.again = true;
      return;
    }
    if (!dirty(entry) || !entries.has(entry.id)) {
      showStatus(entry);
      return;
    }
    entry.sending = true;
    showStatus(entry);
    try {
      const { draft } = await request("draft.edit", { draft: entry.id, text: entry.field.value });
      if (draft && typeof draft.text === "string") entry.base = draft.text;
      if (draft && Number.isFinite(draft.updated)) entry.updated = Math.max(entry.updated, draft.updated);
      entry.failed = false;
    } catch {
      // Kept in the field: sent again on the next reconnect (see load).
      entry.failed = true;
    }
    entry.sending = false;
    if (entry.again) {
      entry.again = false;
      if (!entry.failed) save(entry);
    }
    showStatus(entry);
  }

  function saveSoon(entry) {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => save(entry), SAVE_AFTER_MS);
    entry.failed = false;
    showStatus(entry);
  }

  function showKeep(entry) {
    entry.keep.setAttribute("aria-pressed", String(entry.kept));
    entry.keep.querySelector(".keep-mark").textContent = entry.kept ? "✓" : "";
  }

  // Pressed at once; put back if the server says no.
  async function toggleKeep(entry) {
    const on = !entry.kept;
    entry.kept = on;
    entry.keeping = true;
    showKeep(entry);
    try {
      const { draft } = await request("note.keep_in_room", { note: entry.id, on });
      if (draft) entry.kept = draft.keep === true;
      // What keeping means, once, where everyone sees it; taking it back needs no words.
      if (on) say("Kept in this room: people watching from elsewhere will not see this note");
      else announce("This note may be shown to people watching from elsewhere");
    } catch (err) {
      entry.kept = !on;
      if (err?.code !== "not_found") say("That did not change; try again");
    }
    entry.keeping = false;
    showKeep(entry);
  }

  function picture(draft) {
    if (draft.kind === "emoji") {
      const name = PICTURE_NAMES.get(draft.emoji) || "picture";
      return el("div", { class: "draft-picture", role: "img", "aria-label": name }, draft.emoji || "❓");
    }
    if (draft.kind === "sketch") return sketchImage(sketchStrokes(draft.strokes), "Your drawing");
    return null;
  }

  function words(entry) {
    const name = entry.kind === "sketch" ? "drawing" : entry.kind === "emoji" ? PICTURE_NAMES.get(entry.emoji) : "";
    return [name, entry.field.value.trim()].filter(Boolean).join(". ");
  }

  function create(draft) {
    const kind = KINDS.has(draft.kind) ? draft.kind : "text";
    const field = el("textarea", {
      class: "draft-text", rows: kind === "text" ? "3" : "2", maxlength: String(MAX_DRAFT_TEXT),
      "data-key": `text-${draft.id}`, placeholder: kind === "text" ? "Write your idea" : "Add words (optional)",
    });
    field.value = draft.text || "";
    const status = el("span", { class: "draft-status" });
    const entry = { id: draft.id, kind, emoji: draft.emoji, field, status, base: field.value,
      timer: 0, sending: false, again: false, failed: false,
      updated: Number.isFinite(draft.updated) ? draft.updated : 0 };
    entry.read = el("button", { type: "button", class: "icon-button", "data-key": `read-${draft.id}`,
      onclick: () => speak(words(entry)) }, el("span", { "aria-hidden": "true" }, "🔊"), "Read");
    entry.remove = el("button", { type: "button", class: "icon-button draft-delete", "data-key": `delete-${draft.id}`,
      onclick: () => remove(entry) }, el("span", { "aria-hidden": "true" }, "🗑"), "Delete");
    entry.kept = draft.keep === true;
    entry.keep = el("button", { type: "button", class: "draft-keep", "data-key": `keep-${draft.id}`, title: KEPT_WORDS,
      onclick: () => toggleKeep(entry) },
    el("span", { "aria-hidden": "true" }, "🏠"), " Keep in this room", el("span", { class: "keep-mark", "aria-hidden": "true" }));
    showKeep(entry);
    const image = picture({ ...draft, kind });
    entry.node = el("li", { class: `draft kind-${kind}` }, ...(image ? [image] : []), field, entry.keep,
      el("div", { class: "draft-foot" }, status, entry.read, entry.remove));
    field.addEventListener("input", () => saveSoon(entry));
    field.addEventListener("blur", () => save(entry));
    showStatus(entry);
    return entry;
  }

  function render() {
    const shown = writer && (privateNow() || drafts.length > 0);
    tray.hidden = !shown;
    let text = "";
    if (privateNow()) text = writer ? PRIVATE_TEXT : WATCHING_TEXT;
    else if (shown) text = WAITING_TEXT;
    bar.hidden = !text;
    bar.querySelector(".notice-text").textContent = text;
    if (!writer) return;
    const n = drafts.length;
    count.textContent = n ? `${n} private ${n === 1 ? "note" : "notes"}` : "None yet";
    empty.hidden = n > 0;
    drafts.forEach((draft, index) => {
      let entry = entries.get(draft.id);
      if (!entry) {
        entry = create(draft);
        entries.set(draft.id, entry);
      }
      const number = index + 1;
      entry.field.setAttribute("aria-label", `Your private note ${number}`);
      entry.read.setAttribute("aria-label", `Read your private note ${number} aloud`);
      entry.remove.setAttribute("aria-label", `Delete your private note ${number}`);
      entry.keep.setAttribute("aria-label", `Keep in this room: your private note ${number}`);
      // Only moved when out of place: moving a node takes the keyboard off it.
      if (list.children[index] !== entry.node) list.insertBefore(entry.node, list.children[index] || null);
    });
    const kept = new Set(drafts.map((draft) => draft.id));
    for (const [id, entry] of entries) {
      if (kept.has(id)) continue;
      clearTimeout(entry.timer);
      entry.node.remove();
      entries.delete(id);
    }
  }

  function noticeReveal() {
    if (!vanished || privateNow()) return;
    const how = connection.state?.workshop?.anonymous === false ? "with your name" : "without your name";
    say(vanished === 1 ? `Your private note is on the board now, ${how}` : `Your private notes are on the board now, ${how}`);
    vanished = 0;
  }

  /** The server's list of this person's drafts, from a push or draft.list. */
  function take(next) {
    const ids = new Set(next.map((draft) => draft.id));
    vanished += drafts.filter((draft) => !ids.has(draft.id) && !deleting.has(draft.id)).length;
    drafts = [...next].sort(byCreated);
    for (const draft of drafts) {
      const entry = entries.get(draft.id);
      if (!entry) continue;
      // The server's word, unless this device is changing it right now.
      if (!entry.keeping && (draft.keep === true) !== entry.kept) {
        entry.kept = draft.keep === true;
        showKeep(entry);
      }
      const text = typeof draft.text === "string" ? draft.text : "";
      // A list read before this device's own last save holds older words.
      const updated = Number.isFinite(draft.updated) ? draft.updated : 0;
      if (same(text, entry.base) || updated < entry.updated) continue;
      entry.updated = updated;
      // Words typed here and not yet saved stay; a change from another of
      // this person's devices shows.
      if (!dirty(entry) && !entry.sending) entry.field.value = text;
      entry.base = text;
      showStatus(entry);
    }
    render();
    noticeReveal();
  }

  async function load() {
    if (!writer) return;
    try {
      const result = await request("draft.list");
      take(Array.isArray(result.drafts) ? result.drafts : []);
    } catch {
      // Offline again, or a server without private mode: the tray keeps what it showed.
      return;
    }
    for (const entry of entries.values()) if (dirty(entry)) save(entry);
  }

  function expand(open) {
    tray.classList.toggle("collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.setAttribute("aria-label", open ? "Hide my notes" : "Show my notes");
    toggle.querySelector("[aria-hidden]").textContent = open ? "▾" : "▴";
    toggle.querySelector(".toggle-text").textContent = open ? "Hide" : "Show";
  }

  async function remove(entry) {
    const number = drafts.findIndex((draft) => draft.id === entry.id) + 1;
    deleting.add(entry.id);
    try {
      await request("draft.delete", { draft: entry.id });
    } catch (err) {
      if (err?.code !== "not_found") {
        say("That note was not deleted; try again");
        return;
      }
    } finally {
      deleting.delete(entry.id);
    }
    const index = drafts.findIndex((draft) => draft.id === entry.id);
    if (index >= 0) drafts = drafts.filter((draft) => draft.id !== entry.id);
    const hadFocus = entry.node.contains(document.activeElement);
    render();
    announce(`Private note ${number} deleted`);
    if (hadFocus) {
      const next = drafts[Math.min(Math.max(index, 0), drafts.length - 1)];
      (next ? entries.get(next.id).field : heading).focus();
    }
  }

  async function add({ emoji = "", strokes = null } = {}) {
    const args = emoji ? { kind: "emoji", emoji } : strokes ? { kind: "sketch", strokes } : { kind: "text" };
    let draft;
    try {
      ({ draft } = await request("draft.add", args));
    } catch (err) {
      say(addRefusal(err, privateNow(), drafts.length));
      return;
    }
    if (!draft) return;
    if (!drafts.some((d) => d.id === draft.id)) drafts = [...drafts, draft].sort(byCreated);
    expand(true);
    render();
    const number = drafts.findIndex((d) => d.id === draft.id) + 1;
    // A drawing has words only if wanted: no keyboard pops up for it.
    if (!strokes) entries.get(draft.id)?.field.focus();
    announce(`Private note ${number} added: only you can see it`);
  }

  toggle.addEventListener("click", () => expand(tray.classList.contains("collapsed")));
  heading.setAttribute("tabindex", "-1");
  expand(true);
  connection.on("state", () => {
    render();
    noticeReveal();
    vanished = 0;
  });
  connection.channel.on("connect", load);
  connection.channel.on("drafts", (data) => take(Array.isArray(data.drafts) ? data.drafts : []));
  render();

  return {
    /** Do the Add buttons make private drafts now (rather than board notes)? */
    active: () => writer && privateNow(),
    add,
  };
}
