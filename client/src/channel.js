// The command channel (message type 100, docs/protocol.md): requests and
// replies, pushes, and the server's clock, on a board socket (y-websocket
// provider) or on the workshop socket that carries the channel alone.
import { encode, decode } from "@msgpack/msgpack";
import * as decoding from "lib0/decoding";
import { Emitter, report } from "./emitter.js";

export const MESSAGE_COMMAND = 100;
export const REQUEST_TIMEOUT_MS = 10_000;
const BACKOFF_FIRST_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/** A refused or failed command: `code` is the contract's error code (or "offline", "timeout"). */
export class ChannelError extends Error {
  constructor(code, detail = "") {
    super(detail ? `${code}: ${detail}` : code);
    this.name = "ChannelError";
    this.code = code;
    this.detail = detail;
  }
}

function varUintBytes(value) {
  const bytes = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return bytes;
}

/** One type-100 frame: varuint 100, then the msgpack body as varbytes. */
export function encodeFrame(message) {
  const body = encode(message);
  const head = [...varUintBytes(MESSAGE_COMMAND), ...varUintBytes(body.length)];
  const frame = new Uint8Array(head.length + body.length);
  frame.set(head, 0);
  frame.set(body, head.length);
  return frame;
}

/** The varbytes body of a whole frame from a socket, or null when it is not type 100. */
export function frameBody(data) {
  const decoder = decoding.createDecoder(data instanceof Uint8Array ? data : new Uint8Array(data));
  if (decoding.readVarUint(decoder) !== MESSAGE_COMMAND) return null;
  return decoding.readVarUint8Array(decoder);
}

/** A type-100 body as the map it holds; throws on anything else. */
export function parseBody(body) {
  const message = decode(body);
  if (message === null || typeof message !== "object" || Array.isArray(message)) {
    throw new ChannelError("invalid", "a type-100 body that is not a map");
  }
  return message;
}

/**
 * Speaks the envelope over whatever transport an adapter gives it. Pushes go
 * to on(event) listeners; besides them it emits "connect" (the hello result,
 * after every (re)connect), "disconnect" ({code, reason, final}) and "state"
 * (the newest workshop state, from a hello, a reply or a push).
 */
export class CommandChannel extends Emitter {
  constructor(send = null, { timeoutMs = REQUEST_TIMEOUT_MS } = {}) {
    super();
    this.timeoutMs = timeoutMs;
    this.send = send;
    this.nextId = 1;
    this.pending = new Map();
    this.offsetMs = 0;
    this.state = null;
    this.you = null;
    this.publicUrl = null; // the server's public address, from the hello
    this.isOpen = false;
  }

  /** The server's clock now, in milliseconds since the epoch. */
  serverNow() {
    return Date.now() + this.offsetMs;
  }

  /** A transport is open: say hello on it; resolves with the hello result. */
  open(send = this.send) {
    this.send = send;
    this.isOpen = true;
    return this.request("hello", { v: 1 }).then(
      (result) => {
        this.you = result.you || null;
        this.publicUrl = result.public_url || null;
        if (result.state) this.takeState(result.state, true);
        this.emit("connect", result);
        return result;
      },
      (err) => {
        // A connection that cannot say hello is of no use to the channel.
        if (err.code !== "offline") report(err);
        throw err;
      },
    );
  }

  /** The transport closed: every request in flight fails with "offline". */
  close({ code = 0, reason = "", final = false } = {}) {
    const wasOpen = this.isOpen;
    this.isOpen = false;
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      clearTimeout(entry.timer);
      entry.reject(new ChannelError("offline", "The connection closed before the answer came."));
    }
    if (wasOpen || final) this.emit("disconnect", { code, reason, final });
  }

  /** Send a command; resolves with its result, rejects with a ChannelError. */
  request(cmd, args = {}) {
    if (!this.isOpen || !this.send) {
      return Promise.reject(new ChannelError("offline", "Not connected."));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ChannelError("timeout", `No answer to ${cmd} within ${this.timeoutMs / 1000} s.`));
      }, this.timeoutMs);
      this.pending.set(id, { cmd, resolve, reject, timer });
      this.send(encodeFrame({ id, cmd, args }));
    });
  }

  /** Handle one type-100 body from the server. */
  receive(body) {
    let message;
    try {
      message = parseBody(body);
    } catch (err) {
      report(err);
      return;
    }
    if (typeof message.re === "number") {
      this.reply(message);
    } else if (typeof message.event === "string") {
      const data = message.data || {};
      if (message.event === "state") this.takeState(data, false);
      else this.emit(message.event, data);
    }
  }

  reply(message) {
    const entry = this.pending.get(message.re);
    if (!entry) return; // answered after its timeout
    this.pending.delete(message.re);
    clearTimeout(entry.timer);
    if (!message.ok) {
      entry.reject(new ChannelError(String(message.error || "invalid"), String(message.detail || "")));
      return;
    }
    const result = message.result || {};
    if (typeof result.server_time === "number") this.takeClock(result.server_time);
    // The hello's state is taken once its `you` is known (see open).
    if (result.state && entry.cmd !== "hello") this.takeState(result.state, false);
    entry.resolve(result);
  }

  takeClock(serverTime) {
    this.offsetMs = serverTime * 1000 - Date.now();
  }

  takeState(state, fresh) {
    if (typeof state.server_time === "number") this.takeClock(state.server_time);
    // Replies and pushes can cross; an older version never replaces a newer one.
    if (!fresh && this.state && state.version <= this.state.version) return;
    this.state = state;
    this.emit("state", state);
  }
}

/**
 * Carry `channel` on a y-websocket provider's board socket: says hello on
 * every connect. Returns the function that detaches it again.
 */
export function attachToProvider(provider, channel) {
  provider.messageHandlers[MESSAGE_COMMAND] = (encoder, decoder) => {
    channel.receive(decoding.readVarUint8Array(decoder));
  };
  const send = (bytes) => {
    if (provider.wsconnected && provider.ws) provider.ws.send(bytes);
  };
  const onStatus = ({ status }) => {
    if (status === "connected") channel.open(send).catch(() => {});
    else if (status === "disconnected") channel.close();
  };
  const onClosed = ({ code, reason }) => channel.close({ code, reason, final: true });
  provider.on("status", onStatus);
  provider.on("closed", onClosed);
  if (provider.wsconnected) channel.open(send).catch(() => {});
  return () => {
    provider.off("status", onStatus);
    provider.off("closed", onClosed);
    delete provider.messageHandlers[MESSAGE_COMMAND];
    channel.close();
  };
}

/**
 * Carry `channel` on a workshop socket (ws://host/ws/{workshop}?token=…),
 * reconnecting with backoff until closed with a code 4400–4499 or by close().
 */
export function openWorkshopSocket(url, channel, { WebSocketClass = globalThis.WebSocket } = {}) {
  let socket = null;
  let failures = 0;
  let stopped = false;
  let retry = 0;

  const connect = () => {
    retry = 0;
    if (stopped) return;
    const ws = new WebSocketClass(url);
    socket = ws;
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      channel.open((bytes) => {
        if (ws.readyState === ws.OPEN) ws.send(bytes);
      }).then(() => {
        failures = 0;
      }, () => {});
    };
    ws.onmessage = (event) => {
      if (typeof event.data === "string") return;
      const body = frameBody(event.data);
      if (body) channel.receive(body);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      const final = stopped || (event.code >= 4400 && event.code < 4500);
      channel.close({ code: event.code, reason: event.reason, final });
      if (final) {
        stopped = true;
        return;
      }
      failures += 1;
      const delay = Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
      retry = setTimeout(connect, delay * (0.75 + Math.random() / 2));
    };
  };
  connect();

  return {
    get socket() {
      return socket;
    },
    /** Stop for good: no reconnect. */
    close() {
      stopped = true;
      clearTimeout(retry);
      if (socket) {
        const ws = socket;
        socket = null;
        ws.close(1000);
        channel.close({ code: 1000, reason: "closed", final: true });
      }
    },
  };
}
