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

/**
 * Every elementary cycle, each once, starting at its smallest factor id.
 * At most `limit` loops, and the search stops after `maxSteps` path
 * extensions; the loops found by then are returned, shortest first.
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
    // Only visit factors that sort after the start, so each cycle is found
    // once, and only those that can get back to the start at all.
    const back = reaching(start, incoming);
    // Depth-first, on one shared path: next[d] is the next link to try from path[d].
    const path = [start];
    const pathLinks = [];
    const onPath = new Set(path);
    const next = [0];
    while (next.length && loops.length < limit && steps < maxSteps) {
      const depth = next.length - 1;
      const node = path[depth];
      const out = outgoing.get(node) || [];
      if (next[depth] >= out.length) {
        next.pop();
        onPath.delete(node);
        path.pop();
        pathLinks.pop();
        continue;
      }
      const link = out[next[depth]++];
      if (link.to === start) {
        loops.push(makeLoop(path, [...pathLinks, link.id], byId));
      } else if (back.has(link.to) && !onPath.has(link.to)) {
        steps += 1;
        path.push(link.to);
        pathLinks.push(link.id);
        onPath.add(link.to);
        next.push(0);
      }
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
