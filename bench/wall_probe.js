// The wall benchmark's probe, installed before the wall's own scripts
// (bench/wall.py). It records frames while asked to, and the frame at which
// each awaited edit shows in its room's tile: an edit is awaited as a text
// (a marker) in one element of one tile, its text or a field's value (note
// text is a textarea, whose value changes no DOM node). Edits of one room
// arrive in the order they were made, so each room keeps a queue and only
// its head is checked, at the start of every frame while any edit is
// awaited. Times are absolute (performance.timeOrigin + performance.now(),
// ms since the epoch).
(() => {
  if (window.top !== window) return;
  const abs = () => performance.timeOrigin + performance.now();
  const probe = { frames: null, longTasks: [], queues: new Map(), met: [] };
  window.__wall = probe;

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) probe.longTasks.push(entry.duration);
  }).observe({ type: "longtask", buffered: true });

  const frameLoop = (t) => {
    if (!probe.frames) return;
    probe.frames.push(t);
    requestAnimationFrame(frameLoop);
  };
  probe.start = () => {
    probe.frames = [];
    probe.longTasks = [];
    requestAnimationFrame(frameLoop);
  };
  probe.stop = () => {
    const result = { frames: probe.frames || [], longTasks: probe.longTasks };
    probe.frames = null;
    return result;
  };

  const shows = (node, marker) =>
    node.textContent.includes(marker) ||
    [...node.querySelectorAll("textarea, input")].some((field) => field.value.includes(marker));

  function check(room) {
    const queue = probe.queues.get(room);
    const tile = document.querySelector(`.tile[data-room="${room}"]`);
    if (!tile) return;
    while (queue.length) {
      const head = queue[0];
      const node = tile.querySelector(head.selector);
      if (!node || !shows(node, head.marker)) return;
      queue.shift();
      const entry = { key: head.key, room, dom: abs(), frame: null };
      probe.met.push(entry);
      // This frame's paint, which shows it.
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { entry.frame = abs(); };
      channel.port2.postMessage(null);
    }
  }

  let watching = false;
  function watch() {
    let waiting = false;
    for (const [room, queue] of probe.queues) {
      if (!queue.length) continue;
      check(room);
      waiting = waiting || queue.length > 0;
    }
    watching = waiting;
    if (waiting) requestAnimationFrame(watch);
  }

  /** Await edits: [[room, selector, marker, key]], in the order each room makes them. */
  probe.arm = (items) => {
    for (const [room, selector, marker, key] of items) {
      if (!probe.queues.has(room)) probe.queues.set(room, []);
      probe.queues.get(room).push({ selector, marker, key });
    }
    if (!watching) {
      watching = true;
      requestAnimationFrame(watch);
    }
  };

  /** The edits met so far, each once its next frame has been drawn; cleared. */
  probe.take = () => {
    const done = probe.met.filter((entry) => entry.frame !== null);
    probe.met = probe.met.filter((entry) => entry.frame === null);
    return done;
  };
  probe.pending = () => [...probe.queues.values()].reduce((n, queue) => n + queue.length, 0) + probe.met.length;
})();
