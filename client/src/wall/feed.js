// A room's board for a tile on the wall or the observers' page: its Yjs
// document and socket. Kept (the wall): one document for good, which
// y-websocket brings up to date on every reconnect. Fresh (observers): a new
// document for every connection.
import * as Y from "yjs";
import { WebsocketProvider } from "y-websocket";
import { Emitter } from "../emitter.js";

const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 10_000;
// Observers hear no awareness, so a quiet board sends them nothing, and
// y-websocket drops a socket that has heard nothing for 30 s. Asking for the
// state (sync step 1) this often gets an answer every time.
const KEEPALIVE_MS = 10_000;

const refusedBy = (event) => Boolean(event) && event.code >= 4400 && event.code < 4500;

/**
 * Events: "doc" (the document to draw: at once when kept, once it has synced
 * when fresh), "status" ({status}: y-websocket's), "refused" ({code, reason}:
 * the link no longer opens this room, and nothing retries).
 */
export class BoardFeed extends Emitter {
  constructor({ serverUrl, room, token, fresh = false }) {
    super();
    this.serverUrl = serverUrl;
    this.room = room;
    this.token = token;
    this.fresh = fresh;
    this.shown = null; // the document on screen
    this.live = null; // {doc, provider} of the connection now open or opening
    this.failures = 0;
    this.retry = 0;
    this.stopped = false;
  }

  start() {
    if (!this.fresh) {
      const { doc, provider } = this.open({});
      provider.on("connection-close", (event) => {
        // y-websocket stops retrying on these: the link itself is bad.
        if (refusedBy(event)) this.emit("refused", { code: event.code, reason: event.reason });
      });
      this.shown = doc;
      this.emit("doc", doc);
      return;
    }
    this.connectFresh();
  }

  /** A document and its socket; read only, so it announces no presence. */
  open(options) {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(this.serverUrl, this.room, doc, {
      params: { token: this.token }, connect: false, ...options,
    });
    // The server would drop it anyway.
    provider.awareness.setLocalState(null);
    provider.on("status", (event) => {
      if (this.live && this.live.provider === provider) this.emit("status", event);
    });
    this.live = { doc, provider };
    provider.connect();
    return this.live;
  }

  // The server rebuilds an observer's board for each connection (a filtered
  // copy, under a Yjs client id of its own, which differs per process and
  // after a restart). Merged into the document of an earlier connection, it
  // would leave there whatever the new copy leaves out, such as a note
  // hidden meanwhile. So every connection starts from a new, empty document,
  // which replaces the one on screen once it has synced; the old one is
  // never written to again. No BroadcastChannel either: another tab's copy
  // of this room (a wall's, a tablet's) must not flow into this one.
  connectFresh() {
    this.retry = 0;
    if (this.stopped) return;
    const live = this.open({ disableBc: true, resyncInterval: KEEPALIVE_MS });
    const { doc, provider } = live;
    provider.on("sync", (synced) => {
      if (!synced || this.live !== live || this.shown === doc) return;
      this.failures = 0;
      const old = this.shown;
      this.shown = doc;
      this.emit("doc", doc);
      if (old) old.destroy();
    });
    provider.on("connection-close", (event) => {
      if (this.live !== live) return;
      this.live = null;
      // Called from inside y-websocket's close handling: destroyed once it returns.
      queueMicrotask(() => {
        provider.destroy();
        if (this.shown !== doc) doc.destroy();
      });
      if (refusedBy(event)) {
        this.emit("refused", { code: event.code, reason: event.reason });
        return;
      }
      if (this.stopped) return;
      this.emit("status", { status: "disconnected" });
      this.failures += 1;
      const delay = Math.min(BACKOFF_FIRST_MS * 2 ** (this.failures - 1), BACKOFF_MAX_MS);
      this.retry = setTimeout(() => this.connectFresh(), delay * (0.75 + Math.random() / 2));
    });
  }

  destroy() {
    this.stopped = true;
    clearTimeout(this.retry);
    const live = this.live;
    this.live = null;
    if (live) {
      live.provider.destroy();
      if (live.doc !== this.shown) live.doc.destroy();
    }
    if (this.shown) this.shown.destroy();
    this.shown = null;
  }
}
