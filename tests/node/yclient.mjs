#!/usr/bin/env node
// A stock Yjs client (yjs + y-websocket's WebsocketProvider) driven over stdin/stdout,
// so that the Python test-suite can put a real Yjs peer into its sync tests.
//
// Usage:
//   node yclient.mjs --server ws://HOST:PORT/ws/WORKSHOP --room ROOM_ID --token TOKEN [--name NAME]
//
// The provider connects to `${server}/${room}?token=${token}`.
//
// Protocol (one JSON object per line):
//   stdin  <- {"id": <any>, "cmd": "<name>", ...args}
//   stdout -> {"reply": <id>, ...result}             exactly one per command
//             {"reply": <id>, "error": "<message>"}  on failure / timeout / unknown command
//             {"event": "<name>", ...}               unsolicited events (see `emit` calls)
// Diagnostics go to stderr only. The process exits when stdin closes or on {"cmd": "quit"}.

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import readline from 'node:readline'
import { parseArgs } from 'node:util'

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    room: { type: 'string' },
    token: { type: 'string' },
    name: { type: 'string' }
  },
  strict: true
})
if (!args.server || !args.room) {
  process.stderr.write('usage: node yclient.mjs --server URL --room ROOM --token TOKEN [--name NAME]\n')
  process.exit(2)
}
const label = args.name || 'yclient'

const log = (...parts) => {
  process.stderr.write(`[${label}] ${parts.map(p => (p instanceof Error ? p.stack : String(p))).join(' ')}\n`)
}

/** @param {object} obj */
const send = (obj) => {
  process.stdout.write(JSON.stringify(obj) + '\n')
}
const emit = (event, fields = {}) => send({ event, ...fields })

process.on('uncaughtException', (err) => {
  log('uncaught exception:', err)
  emit('fatal', { message: String(err && err.message ? err.message : err) })
  process.exit(1)
})
process.on('unhandledRejection', (err) => {
  log('unhandled rejection:', err)
  emit('fatal', { message: String(err && err.message ? err.message : err) })
  process.exit(1)
})

const doc = new Y.Doc()
const params = {}
if (args.token !== undefined) params.token = args.token
const provider = new WebsocketProvider(args.server, args.room, doc, {
  params,
  WebSocketPolyfill: WebSocket,
  // connect once the listeners below are attached, so that the first "connecting" status is seen
  connect: false,
  // Each client is its own process, so the (in-process) BroadcastChannel could never reach a
  // peer anyway; disabling it keeps every bit of sync on the websocket under test.
  disableBc: true
})
const awareness = provider.awareness

// Every frame the server sends, as it arrived (the `received` command), so that
// privacy tests can search all of it.
const received = []
const capture = () => {
  const ws = provider.ws
  if (ws && !ws.capturing) {
    ws.capturing = true
    ws.addEventListener('message', (event) => received.push(Buffer.from(event.data).toString('base64')))
  }
}
provider.on('status', ({ status }) => {
  capture()
  emit('status', { status })
})
provider.on('sync', (isSynced) => {
  if (isSynced) emit('synced')
})
provider.on('connection-close', (ev) => {
  if (ev == null) {
    // closed locally (provider.disconnect() or the "no message for 30 s" watchdog)
    emit('close', { code: null, reason: null, local: true })
  } else {
    emit('close', { code: ev.code, reason: String(ev.reason ?? ''), wasClean: !!ev.wasClean, local: false })
  }
})
provider.on('closed', ({ code, reason }) => {
  // y-websocket >= 3.1: 4400-4499 close codes are terminal, the provider stops reconnecting
  emit('closed', { code, reason: String(reason ?? '') })
})
provider.on('connection-error', (ev) => {
  emit('connection-error', { message: String((ev && (ev.message || (ev.error && ev.error.message))) || 'error') })
})

// ---------------------------------------------------------------------------------------------
// helpers

const toJSONValue = (v) => {
  if (v === undefined) return null
  if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') return v.toJSON()
  return v
}

const deepEqual = (a, b) => {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]))
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  return ka.length === kb.length && ka.every(k => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]))
}

const otherStates = () => Array.from(awareness.getStates().entries()).filter(([id]) => id !== doc.clientID)

/**
 * Pending waits: {check: () => object | null, resolve, timer}. `check` returns the reply payload
 * once satisfied. They are re-evaluated on every doc update and every awareness update.
 * @type {Set<{check: () => object | null, done: (payload: object) => void}>}
 */
const waiters = new Set()

const recheck = () => {
  for (const w of Array.from(waiters)) {
    let payload
    try {
      payload = w.check()
    } catch (err) {
      w.fail(err)
      continue
    }
    if (payload) w.done(payload)
  }
}
doc.on('update', recheck)
awareness.on('update', recheck)

/**
 * @param {() => object | null} check
 * @param {number | undefined} timeout ms
 * @return {Promise<object>}
 */
const waitFor = (check, timeout) => new Promise((resolve, reject) => {
  const immediate = check()
  if (immediate) {
    resolve(immediate)
    return
  }
  const ms = typeof timeout === 'number' && timeout >= 0 ? timeout : 10000
  const w = {
    check,
    done: (payload) => {
      clearTimeout(w.timer)
      waiters.delete(w)
      resolve(payload)
    },
    fail: (err) => {
      clearTimeout(w.timer)
      waiters.delete(w)
      reject(err)
    },
    timer: setTimeout(() => {
      waiters.delete(w)
      reject(new Error('timeout'))
    }, ms)
  }
  waiters.add(w)
})

const requireString = (msg, key) => {
  const v = msg[key]
  if (typeof v !== 'string') throw new Error(`missing string argument "${key}"`)
  return v
}
const requireInt = (msg, key) => {
  const v = msg[key]
  if (!Number.isInteger(v)) throw new Error(`missing integer argument "${key}"`)
  return v
}

// ---------------------------------------------------------------------------------------------
// shutdown

let quitting = false
const shutdown = (code, replyObj) => {
  if (quitting) return
  quitting = true
  for (const w of Array.from(waiters)) w.fail(new Error('quitting'))
  const ws = provider.ws
  let exited = false
  const finish = () => {
    if (exited) return
    exited = true
    const exit = () => process.exit(code)
    if (replyObj) process.stdout.write(JSON.stringify(replyObj) + '\n', exit)
    else exit()
  }
  try {
    // destroy() -> disconnect(): sends our awareness as removed, then closes the websocket
    provider.destroy()
    doc.destroy()
  } catch (err) {
    log('error during destroy:', err)
  }
  if (ws && ws.readyState !== WebSocket.CLOSED && typeof ws.once === 'function') {
    // let the close handshake (and the queued awareness removal) flush before exiting
    ws.once('close', finish)
    setTimeout(finish, 1000).unref()
  } else {
    finish()
  }
}

// ---------------------------------------------------------------------------------------------
// commands

const commands = {
  map_set: (m) => {
    doc.getMap(requireString(m, 'map')).set(requireString(m, 'key'), m.value)
    return {}
  },
  map_delete: (m) => {
    doc.getMap(requireString(m, 'map')).delete(requireString(m, 'key'))
    return {}
  },
  map_get: (m) => ({ value: doc.getMap(requireString(m, 'map')).toJSON() }),
  text_insert: (m) => {
    doc.getText(requireString(m, 'name')).insert(requireInt(m, 'index'), requireString(m, 'text'))
    return {}
  },
  text_delete: (m) => {
    doc.getText(requireString(m, 'name')).delete(requireInt(m, 'index'), requireInt(m, 'length'))
    return {}
  },
  text_get: (m) => ({ value: doc.getText(requireString(m, 'name')).toString() }),
  awareness_set: (m) => {
    awareness.setLocalState(m.state === undefined ? null : m.state)
    return {}
  },
  awareness_get: () => ({
    self: doc.clientID,
    value: Array.from(awareness.getStates().entries())
  }),
  wait_map: (m) => {
    const map = doc.getMap(requireString(m, 'map'))
    const key = requireString(m, 'key')
    if (m.absent) {
      return waitFor(() => (map.has(key) ? null : {}), m.timeout)
    }
    return waitFor(() => {
      if (!map.has(key)) return null
      const v = toJSONValue(map.get(key))
      return deepEqual(v, m.value) ? { value: v } : null
    }, m.timeout)
  },
  wait_text: (m) => {
    const text = doc.getText(requireString(m, 'name'))
    const want = requireString(m, 'value')
    return waitFor(() => (text.toString() === want ? { value: want } : null), m.timeout)
  },
  wait_awareness: (m) => {
    const pred = m.predicate
    if (!pred || typeof pred.key !== 'string') throw new Error('missing "predicate": {"key", "value"}')
    const matches = ([, state]) => state != null && deepEqual(state[pred.key], pred.value)
    if (m.absent) {
      return waitFor(() => (otherStates().some(matches) ? null : {}), m.timeout)
    }
    return waitFor(() => {
      const found = otherStates().find(matches)
      return found ? { clientID: found[0], state: found[1] } : null
    }, m.timeout)
  },
  received: () => ({ frames: received.slice() }),
  state: () => ({
    synced: provider.synced,
    wsconnected: provider.wsconnected,
    wsconnecting: provider.wsconnecting,
    shouldConnect: provider.shouldConnect,
    clientID: doc.clientID,
    url: provider.url
  }),
  disconnect: () => {
    provider.disconnect()
    return {}
  },
  connect: () => {
    provider.connect()
    return {}
  }
}

const handleLine = (line) => {
  if (line.trim() === '') return
  let msg
  try {
    msg = JSON.parse(line)
  } catch (err) {
    log('bad JSON on stdin:', line)
    send({ reply: null, error: 'bad json' })
    return
  }
  const id = msg.id ?? null
  if (msg.cmd === 'quit') {
    shutdown(0, { reply: id })
    return
  }
  const fn = Object.prototype.hasOwnProperty.call(commands, msg.cmd) ? commands[msg.cmd] : null
  if (!fn) {
    send({ reply: id, error: 'unknown command' })
    return
  }
  const fail = (err) => {
    if (!quitting) send({ reply: id, error: String(err && err.message ? err.message : err) })
  }
  try {
    const result = fn(msg)
    if (result instanceof Promise) {
      // waits: answered when satisfied, so replies may come out of order (match on "reply")
      result.then((r) => { if (!quitting) send({ reply: id, ...r }) }, fail)
    } else {
      send({ reply: id, ...result })
    }
  } catch (err) {
    fail(err)
  }
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false })
rl.on('line', (line) => {
  try {
    handleLine(line)
  } catch (err) {
    log('command failed:', err)
  }
})
rl.on('close', () => shutdown(0, null))

emit('ready', { clientID: doc.clientID, url: provider.url, name: label })
provider.connect()
