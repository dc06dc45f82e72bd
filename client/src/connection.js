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
export const ACTIONS = ["notes", "groups", "map", "vote"];
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
 * the spotlight, or a new room after a move), "state" (the workshop state),
 * "access" (some canWrite answer changed), "people" (who is online: names
 * and rooms, from the server), "status" ({status}: the own
 * socket), "refused" ({code, reason}), "moved" ({room, name}), "removed".
 */
export class Connection extends Emitter {
  constructor(session) {
    super();
    this.session = session;
    this.readOnly = session.role === "viewer" || session.role === "observer";
    this.channel = new CommandChannel();
    this.own = null;
    this.spot = null;
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

  /** The board on screen: {doc, provider, readOnly, spotlight: {room, name} | null}. */
  get shown() {
    const board = this.spot || this.own;
    if (!board) return null;
    const spotlight = this.spot ? { room: this.spot.room, name: this.state?.spotlight?.name || this.spot.room } : null;
    return { doc: board.doc, provider: board.provider, readOnly: board.readOnly, spotlight };
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
   * Never for a read-only role, a locked room, while another room is in the
   * spotlight, or when the phase does not open it.
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
    this.followSpotlight();
    this.emit("state", this.state);
    this.checkAccess();
  }

  /** A participant's tablet shows a room in the spotlight, read only, while it lasts. */
  followSpotlight() {
    const spotlight = this.state?.spotlight;
    const room = this.session.role === "participant" && spotlight && spotlight.room !== this.session.room.id
      ? spotlight.room : null;
    if ((this.spot?.room ?? null) === room) return;
    this.spot?.destroy();
    this.spot = room ? new RoomBoard(this.session, room, { readOnly: true, keepLocal: false }) : null;
    this.emit("board", this.shown);
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
    // A shared tablet passes to the next person: nothing of this one stays.
    for (const key of PERSON_KEYS) localStorage.removeItem(key);
    this.emit("removed");
    this.checkAccess();
  }
}
