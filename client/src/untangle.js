// Keeping every note in sight: which notes are hidden, and where notes or
// whole groups must go so that nothing hides anything. Pure: it takes notes
// as plain {id, cluster, x, y} in drawing order (the board draws them in
// creation order, so a later note lies on top) and returns moves; the caller
// writes them in one transaction.
//
// A group's frame is drawn around its notes (see frameOf). Frames lie under
// every note, so a loose note on a group's frame hides the group's name and
// its "Move all" button, and reads as if it were in the group.
import { overlaps, nearestSpot, coveredShare } from "./placement.js";

/** The frame around a group's notes: pad all round and the title bar above. */
export function frameOf(members, { noteW, noteH, pad, titleH }) {
  if (!members.length) return null;
  const xs = members.map((n) => n.x);
  const ys = members.map((n) => n.y);
  const left = Math.min(...xs);
  const top = Math.min(...ys);
  return {
    x: left - pad,
    y: top - pad - titleH,
    w: Math.max(...xs) - left + noteW + 2 * pad,
    h: Math.max(...ys) - top + noteH + 2 * pad + titleH,
  };
}

/**
 * The board as the functions below change it: working copies of the notes
 * (a note whose group no longer exists counts as loose), and the moves made.
 * size: {noteW, noteH, pad, titleH, handleH} in board units.
 */
export class Layout {
  constructor(items, clusterIds, size) {
    const known = new Set(clusterIds);
    this.size = size;
    this.notes = items.map((n) => ({ id: n.id, x: n.x, y: n.y, cluster: known.has(n.cluster) ? n.cluster : "" }));
    this.byId = new Map(this.notes.map((n) => [n.id, n]));
    this.groups = [...clusterIds];
    /** @type {Map<string, {x: number, y: number}>} */
    this.moves = new Map();
  }

  box(note) {
    return { x: note.x, y: note.y, w: this.size.noteW, h: this.size.noteH };
  }

  members(cid) {
    return this.notes.filter((n) => n.cluster === cid);
  }

  frame(cid) {
    return frameOf(this.members(cid), this.size);
  }

  /** [cid, frame] for every group with notes in it. */
  frames() {
    return this.groups.map((cid) => [cid, this.frame(cid)]).filter(([, box]) => box);
  }

  move(note, { x, y }) {
    if (note.x === x && note.y === y) return;
    note.x = x;
    note.y = y;
    this.moves.set(note.id, { x, y });
  }

  /** Move a group so that its frame's corner lands on spot. */
  moveGroup(cid, spot) {
    const frame = this.frame(cid);
    const [dx, dy] = [spot.x - frame.x, spot.y - frame.y];
    for (const note of this.members(cid)) this.move(note, { x: note.x + dx, y: note.y + dy });
  }
}

/**
 * Which notes are hidden, each with what hides it: "note" or "group".
 *
 * A note counts as hidden when what lies over it covers a quarter of it or
 * half of its handle strip (the top handleH units: the "Move" handle is how a
 * person takes it out from under). Over a note lie the notes drawn after it,
 * and the frames of groups it is not in (see the top of this file). It is
 * "note" when the notes over it are enough to hide it, else "group".
 */
export function hiddenNotes(layout) {
  const { noteW, noteH, handleH } = layout.size;
  const notes = layout.notes;
  const over = notes.map(() => []);
  // Sweep by x: only notes less than a note's width apart can overlap.
  const byX = notes.map((_, i) => i).sort((a, b) => notes[a].x - notes[b].x);
  for (let i = 0; i < byX.length; i++) {
    const a = notes[byX[i]];
    for (let j = i + 1; j < byX.length && notes[byX[j]].x < a.x + noteW; j++) {
      if (Math.abs(a.y - notes[byX[j]].y) >= noteH) continue;
      const [under, top] = byX[i] < byX[j] ? [byX[i], byX[j]] : [byX[j], byX[i]];
      over[under].push(layout.box(notes[top]));
    }
  }
  const frames = layout.frames();
  const hides = (box, covers) =>
    coveredShare(box, covers) >= 1 / 4 || coveredShare({ ...box, h: handleH }, covers) >= 1 / 2;
  const hidden = new Map();
  notes.forEach((note, i) => {
    const box = layout.box(note);
    const groups = frames.filter(([cid, frame]) => cid !== note.cluster && overlaps(frame, box)).map(([, f]) => f);
    if (!over[i].length && !groups.length) return;
    if (hides(box, over[i])) hidden.set(note.id, "note");
    else if (hides(box, [...over[i], ...groups])) hidden.set(note.id, "group");
  });
  return hidden;
}

/**
 * For a group moved by an arrow key to `frame`: spots straight on in the
 * arrow's direction, so that it jumps past what is in the way, never sideways
 * and never back.
 */
export function alongArrow(frame, [dx, dy]) {
  const ahead = (value, start, step) => (step > 0 ? value >= start : step < 0 ? value <= start : value === start);
  return (x, y) => ahead(x, frame.x, dx) && ahead(y, frame.y, dy);
}

/**
 * After a group changed (a note joined it, it grew, or it was moved), make
 * its frame cover nothing outside it. Loose notes under the frame move to
 * the nearest free spot; when the frame overlaps another group, or when
 * `wholeGroup` is set ("Move all"), the group itself moves to the nearest
 * free spot instead, only where allow(x, y) says yes. Returns false, having
 * moved nothing, when allow rules out every free spot.
 */
export function settleGroup(layout, cid, { wholeGroup = false, allow } = {}) {
  const frame = layout.frame(cid);
  if (!frame) return true;
  const others = layout.frames().filter(([other]) => other !== cid);
  const outside = layout.notes.filter((n) => n.cluster !== cid);
  const hitGroup = others.some(([, box]) => overlaps(box, frame));
  const hitNotes = outside.filter((n) => overlaps(layout.box(n), frame));
  if (!hitGroup && !hitNotes.length) return true;
  // A note of another group under this frame means the two frames overlap.
  if (wholeGroup || hitGroup || hitNotes.some((n) => n.cluster)) {
    const loose = outside.filter((n) => !n.cluster).map((n) => layout.box(n));
    const obstacles = [...others.map(([, box]) => box), ...loose];
    const spot = nearestSpot(obstacles, frame, { allow });
    if (!spot) return false;
    layout.moveGroup(cid, spot);
    return true;
  }
  for (const note of hitNotes) {
    const obstacles = [
      ...layout.frames().map(([, box]) => box),
      ...layout.notes.filter((n) => n !== note).map((n) => layout.box(n)),
    ];
    layout.move(note, nearestSpot(obstacles, layout.box(note)));
  }
  return true;
}

/**
 * After a note was dropped: a loose note that overlaps anything moves to the
 * nearest free spot; a note on another note of its own group moves to the
 * nearest spot clear of the group's notes, and then the group is settled.
 */
export function settleNote(layout, id) {
  const note = layout.byId.get(id);
  if (!note) return;
  const box = layout.box(note);
  if (!note.cluster) {
    const obstacles = [
      ...layout.frames().map(([, frame]) => frame),
      ...layout.notes.filter((n) => n !== note).map((n) => layout.box(n)),
    ];
    if (obstacles.some((o) => overlaps(o, box))) layout.move(note, nearestSpot(obstacles, box));
    return;
  }
  const { pad, titleH } = layout.size;
  const mates = layout.members(note.cluster).filter((n) => n !== note).map((n) => layout.box(n));
  if (mates.some((m) => overlaps(m, box))) {
    layout.move(note, nearestSpot(mates, box, { min: { x: pad, y: pad + titleH } }));
  }
  settleGroup(layout, note.cluster);
}

/**
 * Untangle the whole board ("Show them"): first the notes of each group off
 * each other, then each group off the groups before it, then each loose note
 * off the groups and off the loose notes before it. What came first stays.
 */
export function untangle(layout) {
  const { pad, titleH } = layout.size;
  for (const cid of layout.groups) {
    const members = layout.members(cid);
    members.forEach((note, i) => {
      const box = layout.box(note);
      if (!members.slice(0, i).some((m) => overlaps(layout.box(m), box))) return;
      const mates = members.filter((m) => m !== note).map((m) => layout.box(m));
      layout.move(note, nearestSpot(mates, box, { min: { x: pad, y: pad + titleH } }));
    });
  }
  const settled = [];
  for (const [cid, frame] of layout.frames()) {
    if (settled.some((box) => overlaps(box, frame))) {
      const obstacles = [
        ...layout.frames().filter(([other]) => other !== cid).map(([, box]) => box),
        ...layout.notes.filter((n) => !n.cluster).map((n) => layout.box(n)),
      ];
      layout.moveGroup(cid, nearestSpot(obstacles, frame));
    }
    settled.push(layout.frame(cid));
  }
  const frames = layout.frames().map(([, frame]) => frame);
  const loose = layout.notes.filter((n) => !n.cluster);
  loose.forEach((note, i) => {
    const box = layout.box(note);
    const clash = (o) => overlaps(o, box);
    if (!frames.some(clash) && !loose.slice(0, i).map((n) => layout.box(n)).some(clash)) return;
    const obstacles = [...frames, ...layout.notes.filter((n) => n !== note).map((n) => layout.box(n))];
    layout.move(note, nearestSpot(obstacles, box));
  });
  return layout.moves;
}
