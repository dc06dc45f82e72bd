// Clusters: drop a note onto another note to group them. A cluster is a named
// frame around its notes; its size follows the notes, and moving the frame
// moves every note in it. Membership lives on the note (`cluster`), so moving
// a note in or out never conflicts with renaming the cluster.
import * as Y from "yjs";
import { bindText } from "./textbinding.js";
import { el } from "./dom.js";
import { NOTE_W, NOTE_H, orderedNotes } from "./notes.js";
import { tidyLayout } from "./tidy.js";
import { arrowStep, trackDrag } from "./gestures.js";

const PAD = 16;
const TITLE_H = 56;

export function clusterLayer({ doc, notes, board, readOnly, view = { scale: 1 } }) {
  const clusters = doc.getMap("clusters");
  const frames = new Map();

  const members = (cid) => orderedNotes(notes).filter(([, note]) => note.get("cluster") === cid);

  function contains(note, px, py) {
    const x = note.get("x") || 0;
    const y = note.get("y") || 0;
    return px >= x && px <= x + NOTE_W && py >= y && py <= y + NOTE_H;
  }

  /** The frame around notes ([id, note] pairs), leaving out the note `except`. */
  function frameAround(pairs, except = null) {
    const inside = pairs.filter(([id]) => id !== except);
    if (!inside.length) return null;
    const xs = inside.map(([, n]) => n.get("x") || 0);
    const ys = inside.map(([, n]) => n.get("y") || 0);
    return {
      x: Math.min(...xs) - PAD,
      y: Math.min(...ys) - PAD - TITLE_H,
      w: Math.max(...xs) - Math.min(...xs) + NOTE_W + 2 * PAD,
      h: Math.max(...ys) - Math.min(...ys) + NOTE_H + 2 * PAD + TITLE_H,
    };
  }

  const bounds = (cid, except = null) => frameAround(members(cid), except);
  const within = (box, x, y) => box && x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h;
  const nameOf = (cid) => clusters.get(cid)?.get("title")?.toString().trim() || "the unnamed group";

  function moveCluster(cid, dx, dy) {
    doc.transact(() => {
      for (const [, note] of members(cid)) {
        note.set("x", Math.max(0, (note.get("x") || 0) + dx));
        note.set("y", Math.max(TITLE_H + PAD, (note.get("y") || 0) + dy));
      }
    });
  }

  /**
   * A note was dropped: group it with the note under its centre, or put it in
   * the cluster whose frame is under its centre, or take it out of its own
   * cluster when it was dropped more than a note's width away from the rest
   * of that cluster. Says what it did.
   */
  function dropNote(id, note) {
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
          cid = `${doc.clientID.toString(36)}-${Date.now().toString(36)}`;
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
    if (readOnly) return;
    let moved = [0, 0];
    const started = trackDrag(
      event,
      () => view.scale,
      (dx, dy) => {
        moveCluster(cid, dx - moved[0], dy - moved[1]);
        moved = [dx, dy];
      },
      () => frame.classList.remove("dragging"),
    );
    if (started) frame.classList.add("dragging");
  }

  function onKey(event, cid) {
    const delta = arrowStep(event);
    if (delta) moveCluster(cid, ...delta);
  }

  function create(cid, cluster) {
    const title = el("input", { class: "cluster-title", "aria-label": "Cluster name", placeholder: "Name this group" });
    title.readOnly = readOnly;
    const frame = el("section", { class: "cluster", "data-cluster-id": cid });
    const bar = el("div", { class: "cluster-bar" }, title);
    if (!readOnly) {
      bar.append(el("button", {
        type: "button", class: "icon-button", "aria-label": "Move cluster",
        onpointerdown: (event) => startDrag(event, cid, frame),
        onkeydown: (event) => onKey(event, cid),
      }, el("span", { "aria-hidden": "true" }, "✥"), "Move all"));
    }
    frame.append(bar);
    board.prepend(frame);
    return { frame, title, unbind: bindText(cluster.get("title"), title) };
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
      if (!(cluster instanceof Y.Map) || !(cluster.get("title") instanceof Y.Text)) continue;
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

  clusters.observeDeep(render);
  // Typing in a note never moves a frame.
  notes.observeDeep((events) => {
    if (!events.every((event) => event.target instanceof Y.Text)) render();
  });
  render();
  return { dropNote, groups, tidy };
}
