// The tablet board: notes with collaborative text, moved by drag or keys,
// live for everyone in the room, with the connection state always visible,
// following what the facilitator sets (phase, question, timer, pause,
// spotlight, moves). Edits made offline are kept on the device (IndexedDB)
// and merge on reconnect. The same page serves the read-only viewer role.
import * as Y from "yjs";
import { Connection, readSession } from "./connection.js";
import { mountBoard } from "./boardmount.js";
import { outlinePanel } from "./outline.js";
import { el } from "./dom.js";
import { PICTURES } from "./notes.js";
import { sketchPad } from "./sketch.js";
import { leaveButton } from "./leave.js";
import { announce, toast, toastButton } from "./notice.js";
import { moreMenu } from "./moremenu.js";
import { undoButtons } from "./undo.js";
import { presenceList } from "./presence.js";
import { stoppedScreen, workshopStrip } from "./workshopstrip.js";
import { tabletVoting } from "./voting.js";
import { tabletDrafts } from "./drafts.js";
import { galleryWalk } from "./gallery.js";
import { buildonLane } from "./buildons.js";
import { keptBadges } from "./keptbadge.js";
import { noteModeration } from "./moderation.js";

const STATUS_TEXT = {
  connected: "Online",
  connecting: "Connecting…",
  disconnected: "Reconnecting…",
  offline: "Offline: your changes are kept",
};

function connectionStatus(connection) {
  const status = document.getElementById("connection");
  let refused = false;
  const show = (state) => {
    if (refused) return;
    status.dataset.state = state;
    status.textContent = STATUS_TEXT[state];
  };
  show("connecting");
  connection.on("status", ({ status: state }) => show(navigator.onLine ? state : "offline"));
  window.addEventListener("offline", () => show("offline"));
  window.addEventListener("online", () => show(connection.provider?.wsconnected ? "connected" : "connecting"));
  connection.on("refused", ({ reason }) => {
    status.dataset.state = "refused";
    status.textContent = `${reason || "This link no longer works."} Join again.`;
    refused = true;
  });
}

// "Add picture": a grid of big picture buttons; choosing one adds a note.
function picturePicker(button, onChoose) {
  const dialog = document.getElementById("pictures");
  const grid = dialog.querySelector(".picture-grid");
  grid.replaceChildren(
    ...PICTURES.map(([emoji, name]) =>
      el("button", {
        type: "button",
        class: "picture-button",
        "aria-label": name,
        onclick: () => {
          dialog.close();
          onChoose({ emoji });
        },
      }, el("span", { "aria-hidden": "true" }, emoji), name),
    ),
  );
  button.addEventListener("click", () => dialog.showModal());
  dialog.querySelector(".close").addEventListener("click", () => dialog.close());
}

// High contrast: kept on this device.
function contrastToggle() {
  const toggle = document.getElementById("contrast");
  const apply = (on) => {
    document.body.classList.toggle("contrast", on);
    toggle.setAttribute("aria-pressed", String(on));
  };
  apply(localStorage.getItem("board.contrast") === "on");
  toggle.addEventListener("click", () => {
    const on = !document.body.classList.contains("contrast");
    localStorage.setItem("board.contrast", on ? "on" : "off");
    apply(on);
  });
}

// The first hint on an empty board: what to do, or what to expect.
function boardHint(count, canAdd) {
  const hint = document.getElementById("board-hint");
  hint.hidden = count > 0;
  const [icon, text] = canAdd
    ? ["➕", " Tap Add note to write your first idea"]
    : ["📝", " No notes yet: ideas appear here as people add them"];
  if (hint.textContent !== `${icon}${text}`) hint.replaceChildren(el("span", { "aria-hidden": "true" }, icon), text);
}

// Notes or map. The button says where it goes; the map's own buttons take
// the notes' slot (body[data-mode] in board.css), so no other button moves.
function modeToggle(onMap) {
  const mode = document.getElementById("mode-toggle");
  const modeLabel = mode.querySelector(".swap");
  const show = (toMap) => {
    if ((document.body.dataset.mode === "map") === toMap) return;
    const label = toMap ? "Notes" : "System map";
    modeLabel.dataset.other = modeLabel.textContent;
    modeLabel.textContent = label;
    mode.setAttribute("aria-label", label);
    document.body.dataset.mode = toMap ? "map" : "notes";
    document.getElementById("board-area").hidden = toMap;
    document.getElementById("map").hidden = !toMap;
    if (toMap) onMap();
  };
  mode.addEventListener("click", () => show(document.body.dataset.mode !== "map"));
  return show;
}

function outlineToggle(refresh) {
  const outline = document.getElementById("outline");
  const toggle = document.getElementById("outline-toggle");
  const showOutline = (open) => {
    outline.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) refresh();
  };
  toggle.addEventListener("click", () => showOutline(outline.hidden));
  const closeOutline = () => {
    showOutline(false);
    // The toggle may be behind "More"; then the focus goes there.
    const more = document.getElementById("more");
    (toggle.checkVisibility() ? toggle : more).focus();
  };
  outline.querySelector(".close-panel").addEventListener("click", closeOutline);
  outline.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeOutline();
  });
}

function start() {
  const session = readSession();
  if (!session) {
    location.replace("/join");
    return;
  }
  const connection = new Connection(session);
  const readOnly = connection.readOnly;
  const can = (action) => connection.canWrite(action);
  document.body.classList.toggle("read-only", readOnly);
  document.getElementById("room-name").textContent = session.room.name;
  document.getElementById("workshop-title").textContent = session.workshop.title || "";
  connectionStatus(connection);

  // The outline is rebuilt only while it is open, at most once a frame.
  const outline = document.getElementById("outline");
  const updateOutline = outlinePanel(outline, document.getElementById("outline-list"));
  const count = document.getElementById("note-count");
  let board = null;
  let latest = [];
  let outlineFrame = 0;
  const refreshOutline = () => {
    if (outline.hidden || outlineFrame) return;
    outlineFrame = requestAnimationFrame(() => {
      outlineFrame = 0;
      if (board) {
        updateOutline(latest, board.clusters.groups(latest), board.hidden.current(), board.actions.ordered(), kept.ids());
      }
    });
  };
  const onNotes = (ordered, { content }) => {
    latest = ordered;
    count.textContent = `${ordered.length} ${ordered.length === 1 ? "note" : "notes"}`;
    boardHint(ordered.length, can("notes"));
    if (content) refreshOutline();
  };

  // Every write button is wired once and acts on the board on screen.
  const buttons = {
    notes: ["add-note", "add-picture", "add-sketch"].map((id) => document.getElementById(id)),
    move: [document.getElementById("tidy")],
    map: [document.getElementById("add-factor")],
    plan: [document.getElementById("add-action")],
  };
  // New action cards only while the phase asks for them, never with no phase.
  const planning = () => Boolean(connection.phase) && can("plan");
  // In private time a new note is a draft only its writer sees (drafts.js).
  const drafts = tabletDrafts(connection, toast);
  // Notes that stay in the room carry a badge; the facilitator's board moderates.
  const kept = keptBadges();
  const moderation = noteModeration(connection, { say: announce, tell: toast });
  const shownRoom = () => {
    const away = connection.shown?.spotlight || connection.shown?.visiting;
    return connection.state?.rooms?.[away ? away.room : connection.session.room.id] ?? null;
  };
  const addNote = (what) => (drafts.active() ? drafts.add(what) : board?.notes.add(what));
  if (readOnly) {
    for (const button of Object.values(buttons).flat()) button.remove();
    for (const id of ["undo", "redo"]) document.getElementById(id).remove();
  } else {
    document.getElementById("tidy").addEventListener("click", () => board?.tidy());
    document.getElementById("add-action").addEventListener("click", () => board?.actions.add());
    document.getElementById("add-note").addEventListener("click", () => addNote());
    document.getElementById("add-factor").addEventListener("click", () => board?.map.addFactor());
    picturePicker(document.getElementById("add-picture"), (picture) => addNote(picture));
    const openPad = sketchPad(document.getElementById("sketch"), (strokes) => addNote({ strokes }));
    document.getElementById("add-sketch").addEventListener("click", openPad);
  }
  const scopeUndo = readOnly ? () => {} : undoButtons();
  const showMode = modeToggle(() => board?.map.show());

  // What is closed is hidden; the closed part of the header keeps its place.
  function applyAccess() {
    const open = Object.fromEntries(["notes", "groups", "map", "vote"].map((action) => [action, can(action)]));
    if (!readOnly) {
      for (const button of buttons.notes) button.hidden = !open.notes;
      buttons.move[0].hidden = !(open.notes || open.groups);
      buttons.map[0].hidden = !open.map;
      buttons.plan[0].hidden = !planning();
      for (const dialog of document.querySelectorAll("#pictures, #sketch")) if (!open.notes) dialog.close();
    }
    board?.applyAccess();
    scopeUndo(connection.shown?.doc, can);
    boardHint(latest.length, open.notes);
  }

  // Who is here: this table's people, also while another table is shown.
  presenceList(document.getElementById("presence"), connection);
  const voting = tabletVoting(connection, toast);
  // The gallery walk: other tables' boards, read only, and the build-ons left here.
  galleryWalk(connection, toast);
  buildonLane(connection);
  function showBoard(shown) {
    board?.destroy();
    board = null;
    if (!shown) return;
    board = mountBoard({
      doc: shown.doc,
      awareness: shown.provider.awareness,
      readOnly: readOnly || shown.readOnly,
      can,
      say: announce,
      onNotes,
      onHidden: refreshOutline,
      planning,
      onActions: refreshOutline,
    });
    applyAccess();
    refreshOutline();
    voting.attach(document.getElementById("surface"));
    kept.attach(document.getElementById("surface"));
    kept.set(shownRoom()?.kept);
    moderation.attach(connection.shown?.spotlight || connection.shown?.visiting ? null : document.getElementById("surface"));
    if (document.body.dataset.mode === "map") board.map.show();
  }

  // A new phase that opens only the map, or only notes, shows that board.
  let phaseShown;
  connection.on("state", () => {
    const phase = connection.phase;
    if (phase === phaseShown || phase?.id === phaseShown?.id) return;
    phaseShown = phase;
    // Whether the phase asks for action cards may change with no change of access.
    applyAccess();
    const open = phase?.open || [];
    if (open.includes("map") && !open.includes("notes") && !open.includes("groups")) showMode(true);
    else if (!open.includes("map") && (open.includes("notes") || open.includes("groups"))) showMode(false);
  });
  connection.on("board", showBoard);
  connection.on("state", () => {
    if (kept.set(shownRoom()?.kept)) refreshOutline();
  });
  connection.on("access", applyAccess);
  connection.on("moved", ({ name }) => {
    document.getElementById("room-name").textContent = name;
    toast(`You moved to ${name}`);
  });
  connection.on("removed", () => stoppedScreen(
    "The facilitator has taken you out of this workshop",
    "Your notes stay on the board. You can close this page.",
  ));
  connection.on("state", (state) => {
    if (state?.workshop?.title) document.getElementById("workshop-title").textContent = state.workshop.title;
  });

  workshopStrip(connection);
  outlineToggle(refreshOutline);
  contrastToggle();
  // A facilitator's board has no seat to leave.
  if (connection.session.role === "facilitator") document.getElementById("leave").remove();
  else leaveButton(connection);
  moreMenu();
  toastButton();
  connection.start();

  // For the browser tests and the browser benchmark: the live doc and Yjs itself.
  window.board = {
    get doc() { return connection.doc; },
    get provider() { return connection.provider; },
    get local() { return connection.local; },
    connection,
    Y,
  };
}

start();
