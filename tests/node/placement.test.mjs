// Placement, untangling and Tidy, run straight in Node (node --test): pure
// functions over plain boxes, so no browser is needed. tests/test_placement_logic.py
// runs this file as part of the suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GAP, overlaps, visibleArea, freeSpot, nearestSpot, coveredShare } from "../../client/src/placement.js";
import { Layout, alongArrow, frameOf, hiddenNotes, settleGroup, settleNote, untangle } from "../../client/src/untangle.js";
import { tidyLayout } from "../../client/src/tidy.js";

const NOTE = { w: 220, h: 220 };
const SIZE = { noteW: 220, noteH: 220, pad: 16, titleH: 56, handleH: 44 };
const note = (x, y) => ({ x, y, ...NOTE });
const origin = (width = 1024, height = 600) => visibleArea({ x: 0, y: 0, scale: 1 }, width, height);

// A small seeded random number generator, so that every run tries the same boards.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Every pair of boxes (each [name, box]) that overlaps, by name. */
function clashes(named) {
  const found = [];
  for (let i = 0; i < named.length; i++) {
    for (let j = i + 1; j < named.length; j++) {
      if (overlaps(named[i][1], named[j][1])) found.push(`${named[i][0]} × ${named[j][0]}`);
    }
  }
  return found;
}

/** What must never overlap on a board: loose notes, frames, and notes of one group. */
function boardClashes(layout) {
  const loose = layout.notes.filter((n) => !n.cluster).map((n) => [n.id, layout.box(n)]);
  const frames = layout.frames().map(([cid, box]) => [`frame ${cid}`, box]);
  const inside = layout.groups.flatMap((cid) => clashes(layout.members(cid).map((n) => [n.id, layout.box(n)])));
  return [...clashes([...loose, ...frames]), ...inside];
}

test("the first note of an empty board goes at (16, 16), the second to its right", () => {
  assert.deepEqual(freeSpot([], NOTE, { area: origin() }), { x: 16, y: 16 });
  assert.deepEqual(freeSpot([note(16, 16)], NOTE, { area: origin() }), { x: 252, y: 16 });
});

test("a full row goes on in the next row, in reading order", () => {
  const row = [16, 252, 488, 724].map((x) => note(x, 16));
  assert.deepEqual(freeSpot(row, NOTE, { area: origin() }), { x: 16, y: 252 });
  // A gap left by a deleted note is filled first.
  assert.deepEqual(freeSpot([row[0], row[2], row[3]], NOTE, { area: origin() }), { x: 252, y: 16 });
});

test("a spot keeps the gap from a note that was moved off the grid", () => {
  assert.deepEqual(freeSpot([note(250, 16)], NOTE, { area: origin() }), { x: 486, y: 16 });
  assert.deepEqual(freeSpot([note(300, 100)], NOTE, { area: origin() }), { x: 16, y: 16 });
});

test("the spot is in the part of the board in view", () => {
  // Panned 1000 units right: the first grid slot in view.
  const panned = visibleArea({ x: -1000, y: -500, scale: 1 }, 1024, 600);
  assert.deepEqual(panned, { x: 1000, y: 500, w: 1024, h: 600 });
  assert.deepEqual(freeSpot([], NOTE, { area: panned }), { x: 1196, y: 724 });
  // Zoomed out to 50 %: twice as much board in view, so a fifth column fits.
  const wide = visibleArea({ x: 0, y: 0, scale: 0.5 }, 1024, 600);
  const row = [16, 252, 488, 724].map((x) => note(x, 16));
  assert.deepEqual(freeSpot(row, NOTE, { area: wide }), { x: 960, y: 16 });
});

test("when the view is full, the note goes just below it", () => {
  const full = [16, 252].flatMap((y) => [16, 252, 488, 724].map((x) => note(x, y)));
  assert.deepEqual(freeSpot(full, NOTE, { area: origin(1024, 500) }), { x: 16, y: 488 });
  // A view narrower than a note still gets a spot at its left edge.
  assert.deepEqual(freeSpot([], NOTE, { area: origin(100, 100) }), { x: 16, y: 16 });
});

test("group frames count as taken", () => {
  const frame = { x: 0, y: 16, w: 488, h: 308 };
  assert.deepEqual(freeSpot([frame], NOTE, { area: origin() }), { x: 504, y: 16 });
});

test("a free spot never overlaps anything, on random boards", () => {
  const next = random(7);
  for (let round = 0; round < 200; round++) {
    const boxes = Array.from({ length: Math.floor(next() * 40) }, () =>
      note(Math.round(next() * 1500), Math.round(next() * 1200)),
    );
    const area = visibleArea({ x: -next() * 600, y: -next() * 600, scale: 0.5 + next() }, 1024, 600);
    const spot = freeSpot(boxes, NOTE, { area });
    const placed = { ...spot, ...NOTE };
    assert.equal(boxes.filter((b) => overlaps(b, placed, GAP)).length, 0, JSON.stringify({ boxes, area, spot }));
  }
});

test("the nearest spot is the spot itself when it is free", () => {
  assert.deepEqual(nearestSpot([note(16, 16)], note(300, 16)), { x: 300, y: 16 });
  assert.deepEqual(nearestSpot([note(16, 16)], note(100, 16)), { x: 252, y: 16 });
  // Never above the top, even when that is nearer.
  const shelf = { x: 0, y: 100, w: 1000, h: 400 };
  assert.deepEqual(nearestSpot([shelf], note(16, 90), { min: { x: 0, y: -1000 } }), { x: 16, y: -136 });
  assert.deepEqual(nearestSpot([shelf], note(16, 90)), { x: 16, y: 516 });
  // Only where allowed: here, not to the left of where it was asked to go.
  assert.deepEqual(nearestSpot([note(300, 16)], note(250, 16), { allow: (x) => x >= 250 }), { x: 250, y: 252 });
  assert.equal(nearestSpot([note(300, 16)], note(250, 16), { allow: () => false }), null);
});

test("the nearest spot is as near as a search of every spot finds, on random boards", () => {
  const next = random(11);
  const small = { w: 20, h: 20 };
  for (let round = 0; round < 25; round++) {
    const boxes = Array.from({ length: 3 + Math.floor(next() * 10) }, () => ({
      x: Math.floor(next() * 90), y: Math.floor(next() * 90), ...small,
    }));
    const box = { x: Math.floor(next() * 90), y: Math.floor(next() * 90), ...small };
    const spot = nearestSpot(boxes, box, { gap: 4 });
    const at = { ...spot, ...small };
    assert.equal(boxes.filter((b) => overlaps(b, at, 4)).length, 0);
    let best = Infinity;
    for (let y = 0; y <= 160; y++) {
      for (let x = 0; x <= 160; x++) {
        const d = Math.hypot(x - box.x, y - box.y);
        if (d < best && !boxes.some((b) => overlaps(b, { x, y, ...small }, 4))) best = d;
      }
    }
    assert.equal(Math.hypot(spot.x - box.x, spot.y - box.y), best, JSON.stringify({ boxes, box, spot }));
  }
});

test("covered share counts overlapping covers once", () => {
  const box = { x: 0, y: 0, w: 100, h: 100 };
  assert.equal(coveredShare(box, []), 0);
  assert.equal(coveredShare(box, [{ x: 50, y: 0, w: 100, h: 100 }]), 0.5);
  assert.equal(coveredShare(box, [{ x: 50, y: 0, w: 100, h: 100 }, { x: 50, y: 50, w: 100, h: 100 }]), 0.5);
  assert.equal(coveredShare(box, [{ x: -10, y: -10, w: 200, h: 200 }]), 1);
  assert.equal(coveredShare(box, [{ x: 100, y: 0, w: 10, h: 10 }]), 0);
});

test("a group's frame is its notes, pad all round and the title above", () => {
  assert.deepEqual(frameOf([{ x: 16, y: 88 }, { x: 252, y: 88 }], SIZE), { x: 0, y: 16, w: 488, h: 308 });
  assert.equal(frameOf([], SIZE), null);
});

test("a note is hidden under a later note covering a quarter of it or half its handle", () => {
  const layout = new Layout(
    [
      { id: "a", cluster: "", x: 16, y: 16 },
      { id: "b", cluster: "", x: 16, y: 16 }, // exactly on a
      { id: "c", cluster: "", x: 600, y: 16 },
      { id: "d", cluster: "", x: 600 + 180, y: 16 }, // covers 40 of c's 220 width: 18 %
      { id: "e", cluster: "", x: 16, y: 600 },
      { id: "f", cluster: "", x: 16 + 100, y: 600 + 44 - 220 }, // over 55 % of e's handle, 11 % of e
    ],
    [],
    SIZE,
  );
  assert.deepEqual([...hiddenNotes(layout)], [["a", "note"], ["e", "note"]]);
});

test("a loose note lying on a group it is not in counts as hidden by the group", () => {
  const layout = new Layout(
    [
      { id: "a", cluster: "g", x: 16, y: 88 },
      { id: "b", cluster: "g", x: 252, y: 88 },
      { id: "c", cluster: "", x: 300, y: 200 },
    ],
    ["g"],
    SIZE,
  );
  assert.deepEqual([...hiddenNotes(layout)], [["b", "note"], ["c", "group"]]);
});

test("a new group's frame moves the loose notes it would cover", () => {
  // Two rows of notes; note 1 and note 2 become a group, which pushes its
  // notes down under its title and grows over notes 5 and 6 below.
  const items = [
    { id: "n1", cluster: "g", x: 16, y: 88 },
    { id: "n2", cluster: "g", x: 252, y: 88 },
    { id: "n3", cluster: "", x: 488, y: 16 },
    { id: "n4", cluster: "", x: 724, y: 16 },
    { id: "n5", cluster: "", x: 16, y: 252 },
    { id: "n6", cluster: "", x: 252, y: 252 },
  ];
  const layout = new Layout(items, ["g"], SIZE);
  settleNote(layout, "n2");
  assert.deepEqual(Object.fromEntries(layout.moves), { n5: { x: 16, y: 340 }, n6: { x: 252, y: 340 } });
  assert.deepEqual(boardClashes(layout), []);
});

test("a group moved onto notes or another group goes to the nearest free spot", () => {
  const items = [
    { id: "a", cluster: "g", x: 500, y: 100 },
    { id: "b", cluster: "g", x: 736, y: 100 },
    { id: "c", cluster: "", x: 488, y: 16 },
    { id: "d", cluster: "h", x: 32, y: 88 },
  ];
  const layout = new Layout(items, ["h", "g"], SIZE);
  settleGroup(layout, "g", { wholeGroup: true });
  assert.deepEqual(boardClashes(layout), []);
  // Below the loose note: its bottom (236) + the gap, then the title and pad.
  assert.deepEqual(Object.fromEntries(layout.moves), { a: { x: 500, y: 324 }, b: { x: 736, y: 324 } });
});

test("an arrow key moves a group straight on past a note in its way, or not at all", () => {
  const items = [
    { id: "a", cluster: "g", x: 36, y: 88 },
    { id: "b", cluster: "g", x: 272, y: 88 },
    { id: "n", cluster: "", x: 500, y: 100 },
  ];
  // One step right (20) put the frame over note n: it jumps past n, on the same line.
  const right = new Layout(items, ["g"], SIZE);
  const step = right.frame("g");
  assert.deepEqual(step, { x: 20, y: 16, w: 488, h: 308 });
  assert.equal(settleGroup(right, "g", { wholeGroup: true, allow: alongArrow(step, [20, 0]) }), true);
  assert.deepEqual(Object.fromEntries(right.moves), { a: { x: 752, y: 88 }, b: { x: 988, y: 88 } });
  // Moving up there is no room past n: nothing moves.
  const up = new Layout(items, ["g"], SIZE);
  assert.equal(settleGroup(up, "g", { wholeGroup: true, allow: alongArrow(step, [0, -20]) }), false);
  assert.equal(up.moves.size, 0);
});

test("a dropped loose note slides off what it overlaps; a group's note off its mates", () => {
  const layout = new Layout(
    [
      { id: "a", cluster: "", x: 16, y: 16 },
      { id: "b", cluster: "", x: 100, y: 16 },
    ],
    [],
    SIZE,
  );
  settleNote(layout, "b");
  assert.deepEqual(Object.fromEntries(layout.moves), { b: { x: 252, y: 16 } });
  const group = new Layout(
    [
      { id: "a", cluster: "g", x: 16, y: 88 },
      { id: "b", cluster: "g", x: 252, y: 88 },
      { id: "c", cluster: "g", x: 128, y: 16 },
    ],
    ["g"],
    SIZE,
  );
  settleNote(group, "c");
  assert.deepEqual(Object.fromEntries(group.moves), { c: { x: 128, y: 324 } });
});

test("untangling a random board leaves nothing over anything", () => {
  const next = random(3);
  for (let round = 0; round < 60; round++) {
    const groups = ["g1", "g2", "g3"].slice(0, Math.floor(next() * 4));
    const items = Array.from({ length: 2 + Math.floor(next() * 30) }, (_, i) => ({
      id: `n${i}`,
      cluster: next() < 0.4 && groups.length ? groups[Math.floor(next() * groups.length)] : "",
      x: Math.round(next() * 1200),
      y: 72 + Math.round(next() * 900),
    }));
    const layout = new Layout(items, groups, SIZE);
    untangle(layout);
    assert.deepEqual(boardClashes(layout), [], JSON.stringify(items));
    assert.deepEqual([...hiddenNotes(layout)], []);
    // Untangling an untangled board moves nothing.
    assert.equal(untangle(new Layout(layout.notes, groups, SIZE)).size, 0);
  }
});

test("Tidy never lays anything over anything", () => {
  const next = random(5);
  for (let round = 0; round < 60; round++) {
    const groups = ["g1", "g2", "g3", "g4"].slice(0, Math.floor(next() * 5));
    const notes = Array.from({ length: 1 + Math.floor(next() * 40) }, (_, i) => ({
      id: `n${i}`,
      cluster: next() < 0.6 && groups.length ? groups[Math.floor(next() * groups.length)] : "",
    }));
    const width = 300 + Math.round(next() * 1700);
    const positions = tidyLayout(notes, groups, { width, noteW: 220, noteH: 220, pad: 16, titleH: 56 });
    const items = notes.map((n) => ({ ...n, ...positions.get(n.id) }));
    const layout = new Layout(items, groups, SIZE);
    assert.deepEqual(boardClashes(layout), [], JSON.stringify({ notes, width }));
    assert.deepEqual([...hiddenNotes(layout)], []);
  }
});
