// The browser benchmark's probe, installed before the board's own scripts on
// every measured tablet page (bench/tablet.py). It stays light: frame times
// are kept only while a phase records, and each check is a counter or one
// lookup. Times are performance.now() (ms since navigation) unless "abs".
(() => {
  if (window.top !== window) return;
  const now = () => performance.now();
  const abs = (t) => performance.timeOrigin + t;
  const goals = window.__benchGoals || {};
  const SELECTORS = {
    notes: "article.note[data-note-id]",
    factors: "article.factor[data-factor-id]",
    arrows: ".map-arrows .arrow",
  };
  const probe = {
    longTasks: [], // [start, ms]
    transactions: [], // [origin "remote" | "local", start, ms]: Yjs work incl. observers
    milestones: {}, // cold load: name -> ms after the first frame that shows it
    handlers: [], // [event type, ms]: the board's own listeners for that event
    keys: [], // keydown (input time) -> after the next frame, ms
    frames: null,
    recording: false,
    pending: null, // the armed checks
    done: null, // resolves once they are all met
  };
  window.__bench = probe;

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) probe.longTasks.push([entry.startTime, entry.duration]);
  }).observe({ type: "longtask", buffered: true });

  // rAF runs before style, layout and paint; a message posted from it runs
  // after them, so this resolves once the next frame has been produced.
  probe.afterFrame = () =>
    new Promise((resolve) => {
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve(now());
        channel.port2.postMessage(null);
      });
    });

  const frameLoop = (t) => {
    if (!probe.frames) return;
    probe.frames.push(t);
    requestAnimationFrame(frameLoop);
  };
  probe.start = () => {
    probe.frames = [];
    probe.handlers = [];
    probe.keys = [];
    probe.recording = true;
    requestAnimationFrame(frameLoop);
    return now();
  };
  probe.stop = () => {
    const result = {
      frames: probe.frames || [],
      handlers: probe.handlers,
      keys: probe.keys,
      end: now(),
    };
    probe.frames = null;
    probe.recording = false;
    return result;
  };
  probe.longTasksSince = (start) => probe.longTasks.filter(([t]) => t >= start);

  // The board's listeners sit on the target; a capture listener on window
  // runs before them and a bubbling one after them.
  let began = 0;
  for (const type of ["pointermove", "input", "wheel"]) {
    window.addEventListener(type, () => { began = now(); }, { capture: true });
    window.addEventListener(type, () => {
      if (probe.recording) probe.handlers.push([type, now() - began]);
    });
  }
  window.addEventListener("keydown", (event) => {
    if (!probe.recording) return;
    const typed = event.timeStamp;
    probe.afterFrame().then((t) => probe.keys.push(t - typed));
  }, { capture: true });

  // What a remote update should change, checked after every Yjs transaction
  // (the board's observers have updated the DOM by then).
  const checks = {
    count: (selector, n) => document.querySelectorAll(selector).length >= n,
    doc: (root, n) => (window.board?.doc.getMap(root).size || 0) >= n,
    left: (id, left) => document.querySelector(`[data-note-id="${id}"]`)?.style.left === left,
    text: (id, value) =>
      document.querySelector(`[data-note-id="${id}"] textarea`)?.value === value,
    link: (index, sign) =>
      document.querySelector(`#link-list li:nth-child(${index + 1})`)?.textContent.includes(`(${sign})`),
  };
  probe.arm = (wanted) => {
    const met = {};
    let resolve;
    const done = new Promise((r) => { resolve = r; });
    probe.done = done;
    probe.pending = {
      check(t) {
        for (const [name, kind, ...args] of wanted) {
          if (!(name in met) && checks[kind](...args)) met[name] = abs(t);
        }
        if (Object.keys(met).length < wanted.length) return;
        probe.pending = null;
        const last = probe.transactions[probe.transactions.length - 1];
        probe.afterFrame().then((f) => resolve({ met, frame: abs(f), applyMs: last[2] }));
      },
    };
  };
  probe.wait = () => probe.done;

  // window.board is the client's public hook; catch it as it is set so that
  // even the first sync is timed.
  let board;
  Object.defineProperty(window, "board", {
    configurable: true,
    get: () => board,
    set(value) {
      board = value;
      let start = 0;
      value.doc.on("beforeTransaction", () => { start = now(); });
      value.doc.on("afterTransaction", (transaction) => {
        const end = now();
        const origin = transaction.origin === value.provider ? "remote" : "local";
        probe.transactions.push([origin, start, end - start]);
        probe.pending?.check(end);
      });
    },
  });

  // Cold load: the first frame at which each goal is on screen.
  const status = () => document.getElementById("connection")?.dataset.state === "connected";
  const counts = {
    online: () => (status() ? 1 : 0),
    notes: () => document.querySelectorAll(SELECTORS.notes).length,
    // The map is drawn only when shown; on the notes board its data arriving
    // is the milestone.
    factors: () => window.board?.doc.getMap("nodes").size || 0,
    arrows: () => window.board?.doc.getMap("links").size || 0,
  };
  const open = Object.keys(goals).filter((name) => name in counts);
  const poll = () => {
    for (const name of open) {
      if (!(name in probe.milestones) && counts[name]() >= goals[name]) {
        probe.milestones[name] = null;
        probe.afterFrame().then((t) => { probe.milestones[name] = t; });
      }
    }
    if (open.some((name) => !(name in probe.milestones))) requestAnimationFrame(poll);
  };
  if (open.length) requestAnimationFrame(poll);
})();
