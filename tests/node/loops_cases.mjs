// Reads loop-finder cases (JSON on stdin), prints findLoops' answers (JSON).
import { findLoops, MAX_LOOPS, MAX_STEPS } from "../../client/src/loops.js";

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const cases = JSON.parse(input);
  const answers = cases.map((c) => findLoops(c.links, c.limit ?? MAX_LOOPS, c.max_steps ?? MAX_STEPS));
  process.stdout.write(JSON.stringify(answers));
});
