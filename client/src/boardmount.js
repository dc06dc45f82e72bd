// One board on screen: the notes, groups, hidden-notes button, system map
// and pointers of one document. Each mount draws into fresh copies of the
// page's board and map sections, so that a new room, or another room in the
// spotlight, starts clean, and destroy() leaves nothing of the old one.
import { noteLayer, notesSize } from "./notes.js";
import { actionLayer } from "./actions.js";
import { mapLayer, OVERVIEW_BELOW } from "./map.js";
import { clusterLayer } from "./clusters.js";
import { boardView } from "./view.js";
import { cursorLayer } from "./cursors.js";
import { hiddenNotesButton } from "./hidden.js";

const SECTIONS = ["board-area", "map"];
const pristine = new Map();

function freshSection(id) {
  const live = document.getElementById(id);
  if (!pristine.has(id)) pristine.set(id, live.cloneNode(true));
  const fresh = pristine.get(id).cloneNode(true);
  fresh.hidden = live.hidden;
  live.replaceWith(fresh);
}

/**
 * Draw doc's board. can(action) gates every write (see connection.js);
 * planning() says whether the phase asks for action cards; onNotes(ordered,
 * {content}) runs when the notes change, onHidden() when the hidden notes or
 * the groups do, onActions() when the action cards do; say(message) speaks
 * to screen readers.
 */
export function mountBoard({
  doc, awareness, readOnly, can, planning = () => false, say, onNotes, onHidden, onActions = () => {},
}) {
  for (const id of SECTIONS) freshSection(id);
  const byId = (id) => document.getElementById(id);
  const notes = doc.getMap("notes");
  const surface = byId("surface");
  let actions = null;
  const contentSize = () => {
    const [noteRight, noteBottom] = notesSize(notes);
    const [cardRight, cardBottom] = actions ? actions.size() : [0, 0];
    return [Math.max(noteRight, cardRight), Math.max(noteBottom, cardBottom)];
  };
  const view = boardView(byId("board"), surface, byId("zoom-controls"), contentSize);
  const clusters = clusterLayer({ doc, notes, board: surface, readOnly, view, say, can });
  // Notes and groups; new notes keep clear of the action cards too.
  const noteBoxes = () => [...clusters.boxes(), ...(actions ? actions.boxes() : [])];
  // The buttons that float over the board, in board units: a new note is
  // never left under them.
  const floating = [byId("zoom-controls"), byId("show-hidden")];
  const floatingBoxes = () => floating.filter((node) => node.checkVisibility()).map((node) => {
    const box = node.getBoundingClientRect();
    const [left, top] = view.toBoard(box.left, box.top).map(Math.floor);
    const [right, bottom] = view.toBoard(box.right, box.bottom).map(Math.ceil);
    return { x: left, y: top, w: right - left, h: bottom - top };
  });
  const layer = noteLayer({
    doc,
    notes,
    board: surface,
    readOnly,
    can,
    onDrop: (id, note, byKeyboard = false) => {
      const missed = can("groups") ? "Not over a note or a group" : "Grouping is not open now";
      say(clusters.dropNote(id, note) || (byKeyboard ? missed : ""));
      actions.makeWay();
    },
    view,
    obstacles: noteBoxes,
    floating: floatingBoxes,
    onChange: onNotes,
  });
  actions = actionLayer({
    doc, board: surface, readOnly, can, offer: planning, view, obstacles: clusters.boxes, say, onChange: onActions,
  });
  // "Show them" moves notes, and the cards they land on make way.
  const untangling = {
    hidden: clusters.hidden,
    untangleAll() {
      const moved = clusters.untangleAll();
      actions.makeWay();
      return moved;
    },
  };
  const hidden = hiddenNotesButton({
    doc, button: byId("show-hidden"), clusters: untangling, readOnly, can, onChange: onHidden, say,
  });
  doc.getMap("clusters").observeDeep(onHidden);

  const mapSurface = byId("map-surface");
  let map = null;
  const mapView = boardView(byId("map-canvas"), mapSurface, byId("map-zoom"), () => map.contentSize(), {
    fitUntilMoved: true, overviewBelow: OVERVIEW_BELOW, scaledText: true,
  });
  map = mapLayer({
    doc,
    canvas: mapSurface,
    panel: byId("map-panel"),
    hint: byId("map-hint"),
    readOnly,
    can,
    view: mapView,
    shown: () => !byId("map").hidden,
  });
  const cursors = cursorLayer(
    awareness,
    {
      notes: { viewport: byId("board"), surface, view },
      map: { viewport: byId("map-canvas"), surface: mapSurface, view: mapView },
    },
    readOnly,
  );

  return {
    notes: layer,
    clusters,
    hidden,
    map,
    actions,
    /** "Tidy": the notes in rows, and the cards they land on make way. */
    tidy() {
      clusters.tidy();
      actions.makeWay();
    },
    /** Show and allow what can(action) opens now. */
    applyAccess() {
      for (const part of [layer, clusters, hidden, map, actions]) part.applyAccess();
    },
    destroy() {
      doc.getMap("clusters").unobserveDeep(onHidden);
      for (const part of [cursors, map, hidden, actions, layer, clusters]) part.destroy();
    },
  };
}
