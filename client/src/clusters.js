// Clusters: drop a note onto another note to group them. A cluster is a named
// frame around its notes; its size follows the notes, and moving the frame
// moves every note in it. Membership lives on the note (`cluster`), so moving
// a note in or out never conflicts with renaming the cluster.
import { randomId } from "./ids.js";
import * as Y from "yjs";
import { bindText } from "./textbinding.js";
import { el } from "./dom.js";
import { NOTE_W, NOTE_H, orderedNotes } from "./notes.js";
import { tidyLayout } from "./tidy.js";
import { arrowStep, trackDrag } from "./gestures.js";
import { Layout, alongArrow, frameOf, hiddenNotes, settleGroup, settleNote, untangle } from "./untangle.js";

const PAD = 16;
const TITLE_H = 56;
// The note's "Move" handle strip (see hiddenNotes).
const HANDLE_H = 44;
const SIZE = { noteW: NOTE_W, noteH: NOTE_H, pad: PAD, titleH: TITLE_H, handleH: HANDLE_H };
const isCluster = (cluster) => cluster instanceof Y.Map && cluster.get("title") instanceof Y.Text;

/**
 * say(message) tells a screen reader what a move did. can(action) says
 * whether "groups" (group, name, move a group) or "notes" may be written
 * now; call applyAccess() when its answers change.
 */
export function clusterLayer({ doc, notes, board, readOnly, view = { scale: 1 }, say = () => {}, can = () => !readOnly }) {
  const clusters = doc.getMap("clusters");
  const frames = new Map();
  const mayGroup = () => !readOnly && can("groups");
  const mayMove = () => !readOnly && (can("notes") || can("groups"));

  const members = (cid) => orderedNotes(notes).filter(([, note]) => note.get("cluster") === cid);

  function contains(note, px, py) {
    const x = note.get("x") || 0;
    const y = note.get("y") || 0;
    return px >= x && px <= x + NOTE_W && py >= y && py <= y + NOTE_H;
  }

  /** The frame around notes ([id, note] pairs), leaving out the note `except`. */
  function frameAround(pairs, except = null) {
    const inside = pairs.filter(([id]) => id !== except);
    return frameOf(inside.map(([, n]) => ({ x: n.get("x") || 0, y: n.get("y") || 0 })), SIZE);
  }

  /** The board as plain notes and groups, for placement (see untangle.js). */
  function layout() {
    const items = orderedNotes(notes).map(([id, n]) => ({
      id, cluster: n.get("cluster") || "", x: n.get("x") || 0, y: n.get("y") || 0,
    }));
    const order = [...clusters.entries()]
      .filter(([, cluster]) => isCluster(cluster))
      .sort(([a, x], [b, y]) => (x.get("created") || 0) - (y.get("created") || 0) || (a < b ? -1 : 1))
      .map(([cid]) => cid);
    return new Layout(items, order, SIZE);
  }

  /** Write the moves a Layout made, in one transaction; byPerson: see notes.js `placed`. */
  function apply(moves, { byPerson = false } = {}) {
    if (!moves.size) return;
    doc.transact(() => {
      for (const [id, { x, y }] of moves) {
        const note = notes.get(id);
        if (!(note instanceof Y.Map)) continue;
        if (note.get("x") !== x) note.set("x", x);
        if (note.get("y") !== y) note.set("y", y);
        if (byPerson && note.has("placed")) note.delete("placed");
      }
    });
  }

  /** Every note and every group's frame as a plain box: what a new note must keep clear of. */
  function boxes() {
    const board = layout();
    const frames = board.frames().map(([, frame]) => frame);
    return [...board.notes.map((n) => ({ id: n.id, ...board.box(n) })), ...frames];
  }

  const bounds = (cid, except = null) => frameAround(members(cid), except);
  const within = (box, x, y) => box && x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
  const nameOf = (cid) => clusters.get(cid)?.get("title")?.toString().trim() || "the unnamed group";

  function moveCluster(cid, dx, dy) {
    doc.transact(() => {
      for (const [, note] of members(cid)) {
        note.set("x", Math.max(0, (note.get("x") || 0) + dx));
        note.set("y", Math.max(TITLE_H + PAD, (note.get("y") || 0) + dy));
        // A person put it here now, not the board (see notes.js).
        if (note.has("placed")) note.delete("placed");
      }
    });
  }

  /** "Move all" was let go: the group never stays on other notes or groups. */
  function settleDropped(cid) {
    const board = layout();
    settleGroup(board, cid, { wholeGroup: true });
    apply(board.moves);
  }

  /**
   * A note was dropped: group it with the note under its centre, or put it in
   * the cluster whose frame is under its centre, or take it out of its own
   * cluster when it was dropped more than a note's width away from the rest
   * of that cluster. Says what it did.
   */
  function dropNote(id, note) {
    if (!mayMove()) return "";
    // While grouping is closed, a drop only moves the note.
    const said = mayGroup() ? dropOnto(id, note) : "";
    // Whatever the drop did, it leaves nothing over anything.
    const board = layout();
    settleNote(board, id);
    apply(board.moves);
    return said;
  }

  function dropOnto(id, note) {
    const cx = (note.get("x") || 0) + NOTE_W / 2;
    const cy = (note.get("y") || 0) + NOTE_H / 2;
    const target = orderedNotes(notes).find(([other, n]) => other !== id && contains(n, cx, cy));
    const current = note.get("cluster") || "";
    if (target) {
      const [, targetNote] = target;
      const existing = targetNote.get("cluster") || "";
      if (existing && existing === current) return `Already in ${nameOf(current)}`;
      let cid = existing;
      doc.transact(() => {
        if (!cid) {
          cid = randomId();
          const cluster = new Y.Map();
          cluster.set("title", new Y.Text());
          cluster.set("created", Date.now());
          clusters.set(cid, cluster);
          targetNote.set("cluster", cid);
          // Leave room above the notes for the cluster's name.
          if ((targetNote.get("y") || 0) < TITLE_H + 2 * PAD) targetNote.set("y", TITLE_H + 2 * PAD);
        }
        note.set("cluster", cid);
        // Place it beside the target rather than on top of it, in the first
        // spot to the right that no other note of the cluster covers.
        const y = targetNote.get("y") || 0;
        let x = (targetNote.get("x") || 0) + NOTE_W + PAD;
        const others = members(cid).filter(([other]) => other !== id).map(([, n]) => n);
        const overlaps = (n) => Math.abs((n.get("x") || 0) - x) < NOTE_W && Math.abs((n.get("y") || 0) - y) < NOTE_H;
        while (others.some(overlaps)) x += NOTE_W + PAD;
        note.set("x", x);
        note.set("y", y);
      });
      if (!existing) {
        frames.get(cid)?.title.focus();
        return "Grouped into a new group. Type its name.";
      }
      return `Added to ${nameOf(cid)}`;
    }
    const frame = [...clusters.keys()].find((cid) => cid !== current && within(bounds(cid, id), cx, cy));
    if (frame) {
      note.set("cluster", frame);
      return `Added to ${nameOf(frame)}`;
    }
    if (current) {
      // It stays while it is within a note's width of the others (moved
      // around inside its group, or just beside it); further away, it leaves.
      const box = bounds(current, id);
      const reach = box && {
        x: box.x - NOTE_W - PAD, y: box.y - NOTE_H - PAD,
        w: box.w + 2 * (NOTE_W + PAD), h: box.h + 2 * (NOTE_H + PAD),
      };
      const name = nameOf(current);
      if (within(reach, cx, cy)) return `Still in ${name}`;
      note.set("cluster", "");
      return `Taken out of ${name}`;
    }
    return "";
  }

  function startDrag(event, cid, frame) {
    if (!mayGroup()) return;
    let moved = [0, 0];
    const started = trackDrag(
      event,
      () => view.scale,
      (dx, dy) => {
        moveCluster(cid, dx - moved[0], dy - moved[1]);
        moved = [dx, dy];
      },
      () => {
        frame.classList.remove("dragging");
        settleDropped(cid);
      },
    );
    if (started) frame.classList.add("dragging");
  }

  function onKey(event, cid) {
    const delta = arrowStep(event);
    if (!delta || !mayGroup()) return;
    // One step, or straight on past what is in the way; when nothing is free
    // that way, the group stays where it is and says so.
    const board = layout();
    const frame = board.frame(cid);
    if (!frame) return;
    const step = {
      x: Math.max(Math.min(frame.x, 0), frame.x + delta[0]),
      y: Math.max(Math.min(frame.y, 0), frame.y + delta[1]),
    };
    board.moveGroup(cid, step);
    if (settleGroup(board, cid, { wholeGroup: true, allow: alongArrow(step, delta) })) {
      apply(board.moves, { byPerson: true });
    } else {
      say("Cannot go there: other notes are in the way");
    }
  }

  function create(cid, cluster) {
    const title = el("input", { class: "cluster-title", "aria-label": "Cluster name", placeholder: "Name this group" });
    const frame = el("section", { class: "cluster", "data-cluster-id": cid });
    const bar = el("div", { class: "cluster-bar" }, title);
    let handle = null;
    if (!readOnly) {
      handle = el("button", {
        type: "button", class: "icon-button", "aria-label": "Move cluster",
        onpointerdown: (event) => startDrag(event, cid, frame),
        onkeydown: (event) => onKey(event, cid),
      }, el("span", { "aria-hidden": "true" }, "✥"), "Move all");
      bar.append(handle);
    }
    frame.append(bar);
    board.prepend(frame);
    const entry = { frame, title, handle, unbind: bindText(cluster.get("title"), title) };
    showAccess(entry);
    return entry;
  }

  function showAccess(entry) {
    const open = mayGroup();
    entry.title.readOnly = !open;
    entry.title.placeholder = open ? "Name this group" : "Unnamed group";
    if (entry.handle) entry.handle.hidden = !open;
  }

  function render() {
    // One pass over the notes, whatever the number of clusters.
    const byCluster = new Map();
    for (const [id, note] of notes.entries()) {
      const cid = note instanceof Y.Map ? note.get("cluster") : "";
      if (!cid) continue;
      if (!byCluster.has(cid)) byCluster.set(cid, []);
      byCluster.get(cid).push([id, note]);
    }
    for (const [cid, cluster] of clusters.entries()) {
      if (!isCluster(cluster)) continue;
      const inside = byCluster.get(cid) || [];
      const box = frameAround(inside);
      let entry = frames.get(cid);
      if (!box) {
        if (entry) entry.frame.hidden = true;
        continue;
      }
      if (!entry) {
        entry = create(cid, cluster);
        frames.set(cid, entry);
      }
      entry.frame.hidden = false;
      Object.assign(entry.frame.style, {
        left: `${box.x}px`, top: `${box.y}px`, width: `${box.w}px`, height: `${box.h}px`,
      });
      const name = cluster.get("title").toString().trim() || "Unnamed group";
      entry.frame.setAttribute("aria-label", `Cluster: ${name}, ${inside.length} notes`);
    }
    for (const [cid, entry] of frames) {
      if (!clusters.has(cid)) {
        entry.unbind();
        entry.frame.remove();
        frames.delete(cid);
      }
    }
  }

  /** Notes grouped for the outline: [[title, [notes]], ...], then the loose ones. */
  function groups(ordered) {
    const out = [];
    for (const [cid, cluster] of clusters.entries()) {
      const inside = ordered.filter(([, n]) => n.get("cluster") === cid);
      if (inside.length && cluster instanceof Y.Map) {
        out.push([cluster.get("title")?.toString().trim() || "Unnamed group", inside]);
      }
    }
    const loose = ordered.filter(([, n]) => !clusters.has(n.get("cluster") || ""));
    return { clustered: out, loose };
  }

  function tidy() {
    if (!mayMove()) return;
    const ordered = orderedNotes(notes);
    const clusterIds = [...clusters.keys()].sort(
      (a, b) => (clusters.get(a).get("created") || 0) - (clusters.get(b).get("created") || 0),
    );
    const positions = tidyLayout(
      ordered.map(([id, note]) => ({ id, cluster: note.get("cluster") || "" })),
      clusterIds,
      { width: board.clientWidth, noteW: NOTE_W, noteH: NOTE_H, pad: PAD, titleH: TITLE_H },
    );
    doc.transact(() => {
      for (const [id, note] of ordered) {
        const { x, y } = positions.get(id);
        if (note.get("x") !== x) note.set("x", x);
        if (note.get("y") !== y) note.set("y", y);
      }
    });
  }

  /** Hidden notes (id → "note" or "group"; see untangle.js). */
  const hidden = () => hiddenNotes(layout());

  /** "Show them": move notes and groups so that nothing lies over anything. */
  function untangleAll() {
    if (!mayMove()) return 0;
    const moves = untangle(layout());
    apply(moves);
    return moves.size;
  }

  /** Show and allow what can(action) opens now. */
  function applyAccess() {
    for (const entry of frames.values()) showAccess(entry);
  }

  // Typing in a note never moves a frame.
  const onNotes = (events) => {
    if (!events.every((event) => event.target instanceof Y.Text)) render();
  };

  /** Stop following the document and take the frames off the board. */
  function destroy() {
    clusters.unobserveDeep(render);
    notes.unobserveDeep(onNotes);
    for (const entry of frames.values()) {
      entry.unbind();
      entry.frame.remove();
    }
    frames.clear();
  }

  clusters.observeDeep(render);
  notes.observeDeep(onNotes);
  render();
  return { dropNote, groups, tidy, boxes, hidden, untangleAll, applyAccess, destroy };
}
