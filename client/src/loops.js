// Feedback loops in a system map, found from its links.
//
// A loop is an elementary cycle of links. It is reinforcing (R) when it has
// an even number of negative links and balancing (B) when the number is odd.
// board_server/workshop/loops.py is the same algorithm for exports; both are
// tested on the cases in tests/loops_cases.json.

export const MAX_LOOPS = 500;
// A bound on the search itself (paths extended), so that a big map with few
// loops but very many paths still answers at once. Both finders count alike.
export const MAX_STEPS = 100_000;

const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function compareArrays(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = byString(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** Factors after `start` with a path back to it through such factors. */
function reaching(start, incoming) {
  const seen = new Set();
  const todo = [start];
  while (todo.length) {
    for (const source of incoming.get(todo.pop()) || []) {
      if (source > start && !seen.has(source)) {
        seen.add(source);
        todo.push(source);
      }
    }
  }
  return seen;
}

/** Free `node`, and every factor blocked only because of it. */
function unblock(node, blocked, waiting) {
  const todo = [node];
  while (todo.length) {
    const current = todo.pop();
    blocked.delete(current);
    for (const other of waiting.get(current) || []) {
      if (blocked.has(other)) todo.push(other);
    }
    waiting.delete(current);
  }
}

/**
 * Every elementary cycle, each once, starting at its smallest factor id.
 * Johnson's algorithm: a factor that led to no loop stays blocked until a
 * loop is found through a factor it leads to, so the search never walks the
 * same dead ends twice and finds each next loop quickly, even on a dense map.
 * At most `limit` loops; the search also stops after `maxSteps` path
 * extensions. The loops found are returned shortest first.
 * @param {{id: string, from: string, to: string, polarity?: string, delay?: boolean}[]} links
 * @param {number} [limit]
 * @param {number} [maxSteps]
 * @returns {{factors: string[], links: string[], kind: "R" | "B", delayed: boolean}[]}
 */
export function findLoops(links, limit = MAX_LOOPS, maxSteps = MAX_STEPS) {
  const outgoing = new Map();
  const incoming = new Map();
  const byId = new Map();
  for (const link of [...links].sort((a, b) => byString(a.id, b.id))) {
    if (!outgoing.has(link.from)) outgoing.set(link.from, []);
    outgoing.get(link.from).push(link);
    if (!incoming.has(link.to)) incoming.set(link.to, []);
    incoming.get(link.to).push(link.from);
    byId.set(link.id, link);
  }
  const loops = [];
  let steps = 0;
  for (const start of [...outgoing.keys()].sort(byString)) {
    if (loops.length >= limit || steps >= maxSteps) break;
    // Only factors that sort after the start, so each cycle is found once,
    // and only those that can get back to the start at all.
    const allowed = reaching(start, incoming);
    const blocked = new Set([start]);
    const waiting = new Map();
    const onPath = new Set([start]); // blocked already; kept as a plain guarantee
    const path = [start];
    const pathLinks = [];
    // Per depth: the next link to try from path[depth], and whether a loop
    // was found below it.
    const frames = [[0, false]];
    while (frames.length && loops.length < limit && steps < maxSteps) {
      const frame = frames[frames.length - 1];
      const node = path[path.length - 1];
      const out = outgoing.get(node) || [];
      if (frame[0] < out.length) {
        const link = out[frame[0]++];
        if (link.to === start) {
          loops.push(makeLoop(path, [...pathLinks, link.id], byId));
          frame[1] = true;
        } else if (allowed.has(link.to) && !blocked.has(link.to) && !onPath.has(link.to)) {
          steps += 1;
          blocked.add(link.to);
          onPath.add(link.to);
          path.push(link.to);
          pathLinks.push(link.id);
          frames.push([0, false]);
        }
        continue;
      }
      const found = frame[1];
      if (found) {
        unblock(node, blocked, waiting);
      } else {
        for (const link of out) {
          if (!allowed.has(link.to)) continue;
          if (!waiting.has(link.to)) waiting.set(link.to, new Set());
          waiting.get(link.to).add(node);
        }
      }
      frames.pop();
      onPath.delete(path.pop());
      pathLinks.pop();
      if (found && frames.length) frames[frames.length - 1][1] = true;
    }
  }
  loops.sort(
    (a, b) =>
      a.links.length - b.links.length ||
      compareArrays(a.factors, b.factors) ||
      compareArrays(a.links, b.links),
  );
  return loops.slice(0, limit);
}

function makeLoop(path, linkIds, byId) {
  const negatives = linkIds.filter((id) => byId.get(id).polarity === "-").length;
  return {
    factors: [...path],
    links: linkIds,
    kind: negatives % 2 === 0 ? "R" : "B",
    delayed: linkIds.some((id) => Boolean(byId.get(id).delay)),
  };
}
