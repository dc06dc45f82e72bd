// The tablet's connection to its workshop: the room's board (Yjs document,
// socket, copy on this device), the command channel on the same socket, and
// the workshop state the server pushes. Everything else in the client reads
// the state here and asks canWrite(action) before it writes.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { IndexeddbPersistence } from "y-indexeddb";
import { CommandChannel, attachToProvider } from "./channel.js";
import { Emitter } from "./emitter.js";

/** What a phase can open on the tablets (docs/protocol.md). */
export const ACTIONS = ["notes", "groups", "map", "vote", "gallery", "plan"];
export const SESSION_KEY = "board.session";
/** Everything this device keeps about the person: the session, the seat to rejoin, the name. */
export const PERSON_KEYS = [SESSION_KEY, "board.rejoin", "board.name"];

/** This device's session: a viewer link's fragment, or the join answer kept in localStorage. */
export function readSession() {
  // A viewer link carries everything in the fragment, which never reaches
  // server logs: /board#workshop=ID&room=r1&token=T&role=viewer
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("token")) {
    return {
      token: hash.get("token"),
      workshop: { id: hash.get("workshop"), title: "" },
      room: { id: hash.get("room"), name: hash.get("name") || hash.get("room") },
      role: hash.get("role") || "viewer",
      fromLink: true,
    };
  }
  try {
    return JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
  } catch (err) {
    return null;
  }
}

/** One room's board: its document, its socket and, for a seat, its copy on this device. */
class RoomBoard {
  constructor(session, roomId, { readOnly, keepLocal }) {
    this.room = roomId;
    this.readOnly = readOnly;
    this.doc = new Y.Doc();
    this.local = keepLocal ? new IndexeddbPersistence(`board:${session.workshop.id}:${roomId}`, this.doc) : null;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // Awareness carries a pointer and never a name: its client id is the
    // document's, which marks every edit this tablet makes, so a name there
    // would tie each note to a person for anyone in the room. Who is here
    // comes from the server instead (the "people" push).
    this.provider = new WebsocketProvider(`${scheme}://${location.host}/ws/${session.workshop.id}`, roomId, this.doc, {
      params: { token: session.token },
    });
    // A read-only board announces no presence (the server would drop it anyway).
    if (readOnly) this.provider.awareness.setLocalState(null);
  }

  /** Close the socket; forget drops this device's copy too (it can never be sent now). */
  destroy({ forget = false } = {}) {
    this.provider.destroy();
    if (this.local) {
      if (forget) this.local.clearData();
      else this.local.destroy();
    }
    // Also ends the awareness, whose timer would otherwise run on.
    this.doc.destroy();
  }
}

/**
 * Events: "board" (the board on screen changed: own room, another room in
 * the spotlight or visited in a gallery walk, or a new room after a move),
 * "state" (the workshop state), "access" (some canWrite answer changed),
 * "people" (who is online: names and rooms, from the server), "status"
 * ({status}: the own socket), "refused" ({code, reason}), "moved" ({room,
 * name}), "removed", "visit-ended" (the gallery walk ended during a visit:
 * the own board is back).
 */
export class Connection extends Emitter {
  constructor(session) {
    super();
    this.session = session;
    this.readOnly = session.role === "viewer" || session.role === "observer";
    this.channel = new CommandChannel();
    this.own = null;
    // Another room's board on screen, read only: the spotlight's, or the
    // one this person chose (`visiting`) in its room's gallery walk.
    this.spot = null;
    this.visiting = null;
    this.walkOverAt = null; // the state version a closed visit showed to be out of date
    this.detach = () => {};
    this.stopped = false;
    this.accessKey = "";
    this.people = [];
    this.channel.on("state", () => this.onState());
    this.channel.on("people", ({ people }) => {
      this.people = Array.isArray(people) ? people : [];
      this.emit("people", this.people);
    });
    this.channel.on("moved", (data) => this.afterThisMessage(() => this.move(data)));
    this.channel.on("removed", () => this.afterThisMessage(() => this.remove()));
  }

  /** Open the own room's board and say hello on its socket. */
  start() {
    this.open();
    this.accessKey = this.accessNow();
    this.emit("board", this.shown);
  }

  open() {
    this.own = new RoomBoard(this.session, this.session.room.id, { readOnly: this.readOnly, keepLocal: !this.readOnly });
    const provider = this.own.provider;
    provider.on("status", ({ status }) => this.emit("status", { status }));
    provider.on("connection-close", (event) => {
      if (event && event.code >= 4400 && event.code < 4500) {
        // y-websocket stops retrying on these: the link itself is bad.
        localStorage.removeItem(SESSION_KEY);
        this.emit("refused", { code: event.code, reason: event.reason });
      }
    });
    this.detach = attachToProvider(provider, this.channel);
  }

  close({ forget = false } = {}) {
    this.detach();
    this.own?.destroy({ forget });
    this.own = null;
  }

  get doc() {
    return this.own?.doc ?? null;
  }

  get provider() {
    return this.own?.provider ?? null;
  }

  get local() {
    return this.own?.local ?? null;
  }

  /**
   * The board on screen: {doc, provider, readOnly, spotlight, visiting}, the
   * last two {room, name} when another room is shown (at most one of them).
   */
  get shown() {
    const board = this.spot || this.own;
    if (!board) return null;
    const room = this.spot?.room;
    const visited = this.gallery.find((entry) => entry.room === room);
    const spotlight = room && !this.visiting ? { room, name: this.state?.spotlight?.name || room } : null;
    const visiting = room && this.visiting ? { room, name: visited?.name || room } : null;
    return { doc: board.doc, provider: board.provider, readOnly: board.readOnly, spotlight, visiting };
  }

  /** The rooms this tablet may visit now, in its room's gallery walk: [{room, name}]. */
  get gallery() {
    const gallery = this.state?.gallery;
    if (!Array.isArray(gallery) || this.state.version === this.walkOverAt) return [];
    return gallery;
  }

  /** The latest workshop state (docs/protocol.md), or null before the first hello. */
  get state() {
    return this.channel.state;
  }

  /** This device's room in the state, or null. */
  get room() {
    return this.state?.rooms?.[this.session.room.id] ?? null;
  }

  /** The agenda entry of this room's phase, or null when no phase is set. */
  get phase() {
    const id = this.room?.phase;
    if (!id) return null;
    return (this.state.agenda || []).find((phase) => phase.id === id) ?? null;
  }

  /** The server's clock, in ms since the epoch. */
  serverNow() {
    return this.channel.serverNow();
  }

  /**
   * May this device write `action` ("notes", "groups", "map", "vote") now?
   * Never for a read-only role, a locked room, while another room is shown
   * (the spotlight, a gallery walk's visit), or when the phase does not open it.
   */
  canWrite(action) {
    if (this.readOnly || this.stopped || this.spot) return false;
    if (this.room?.locked) return false;
    const phase = this.phase;
    if (!phase) return true;
    return Array.isArray(phase.open) && phase.open.includes(action);
  }

  accessNow() {
    return ACTIONS.map((action) => (this.canWrite(action) ? "1" : "0")).join("");
  }

  checkAccess() {
    const key = this.accessNow();
    if (key === this.accessKey) return;
    this.accessKey = key;
    this.emit("access");
  }

  onState() {
    if (this.stopped) return;
    this.followAway();
    this.emit("state", this.state);
    this.checkAccess();
  }

  /** Visit another room's board, read only, while this room's gallery walk lasts; null comes back. */
  visit(room) {
    if (this.stopped) return;
    this.visiting = this.gallery.some((entry) => entry.room === room) ? room : null;
    this.followAway();
    this.checkAccess();
  }

  /**
   * A participant's tablet shows the room in the spotlight while it lasts,
   * else the room it visits while the gallery walk lasts, read only.
   */
  followAway() {
    const spotlight = this.session.role === "participant" ? this.state?.spotlight : null;
    let ended = false;
    // The spotlight takes over a visit, and leaves the tablet at home after.
    if (this.visiting && (spotlight || !this.gallery.some((entry) => entry.room === this.visiting))) {
      ended = !spotlight;
      this.visiting = null;
    }
    const room = spotlight ? (spotlight.room !== this.session.room.id ? spotlight.room : null) : this.visiting;
    if ((this.spot?.room ?? null) !== room) {
      this.spot?.destroy();
      this.spot = room ? this.openAway(room) : null;
      this.emit("board", this.shown);
    }
    if (ended) this.emit("visit-ended");
  }

  openAway(room) {
    const board = new RoomBoard(this.session, room, { readOnly: true, keepLocal: false });
    board.provider.on("closed", () => this.afterThisMessage(() => this.visitClosed(board)));
    return board;
  }

  // The server ended a visit (4403: the walk is over, maybe before its state
  // push came): home, never a retry. A spotlight's end comes with the state.
  visitClosed(board) {
    if (board !== this.spot || !this.visiting) return;
    // The walk is over, whatever the state in hand says, until a newer one.
    this.walkOverAt = this.state?.version ?? null;
    this.visiting = null;
    this.spot.destroy();
    this.spot = null;
    this.emit("board", this.shown);
    this.checkAccess();
    this.emit("visit-ended");
  }

  // A push that ends this socket is acted on once y-websocket is done with
  // the message, before the server's close that follows it arrives.
  afterThisMessage(fn) {
    queueMicrotask(() => {
      if (!this.stopped) fn();
    });
  }

  /** The facilitator moved this person: the new room's board, with no reload and no rejoin. */
  move({ room, name, token }) {
    if (!room || !token) return;
    this.session = { ...this.session, token, room: { id: room, name: name || room } };
    if (!this.session.fromLink) localStorage.setItem(SESSION_KEY, JSON.stringify(this.session));
    // The old token opens nothing now: the old room's copy could never be sent.
    this.close({ forget: true });
    this.spot?.destroy();
    this.spot = null;
    this.visiting = null;
    this.open();
    this.emit("board", this.shown);
    this.emit("moved", this.session.room);
    this.emit("state", this.state);
    this.checkAccess();
  }

  /** The facilitator took this person out: stop, and forget the session on this device. */
  remove() {
    this.stopped = true;
    this.close({ forget: true });
    this.spot?.destroy();
    this.spot = null;
    this.visiting = null;
    // A shared tablet passes to the next person: nothing of this one stays.
    for (const key of PERSON_KEYS) localStorage.removeItem(key);
    this.emit("removed");
    this.checkAccess();
  }
}
