// Feedback loops in a system map, found from its links.
//
// A loop is an elementary cycle of links. It is reinforcing (R) when it has
// an even number of negative links and balancing (B) when the number is odd.
// board_server/workshop/loops.py is the same algorithm for exports; both are
// tested on the cases in tests/loops_cases.json.

export const MAX_LOOPS = 500;

const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

function compareArrays(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = byString(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * Every elementary cycle, each once, starting at its smallest factor id.
 * @param {{id: string, from: string, to: string, polarity?: string, delay?: boolean}[]} links
 * @param {number} [limit]
 * @returns {{factors: string[], links: string[], kind: "R" | "B", delayed: boolean}[]}
 */
export function findLoops(links, limit = MAX_LOOPS) {
  const outgoing = new Map();
  const byId = new Map();
  for (const link of [...links].sort((a, b) => byString(a.id, b.id))) {
    if (!outgoing.has(link.from)) outgoing.set(link.from, []);
    outgoing.get(link.from).push(link);
    byId.set(link.id, link);
  }
  const loops = [];
  for (const start of [...outgoing.keys()].sort(byString)) {
    // Only visit factors that sort after the start, so each cycle is found once.
    const stack = [[start, [start], []]];
    while (stack.length && loops.length < limit) {
      const [node, path, pathLinks] = stack.pop();
      const next = outgoing.get(node) || [];
      for (let i = next.length - 1; i >= 0; i--) {
        const link = next[i];
        if (link.to === start) {
          loops.push(makeLoop(path, [...pathLinks, link.id], byId));
        } else if (link.to > start && !path.includes(link.to)) {
          stack.push([link.to, [...path, link.to], [...pathLinks, link.id]]);
        }
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
