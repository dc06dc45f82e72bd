// Bundles the browser pages into board_server/static/, so pip needs no Node:
// the tablet board, the wall, the observers' page and the facilitator console.
// `make test` runs this and fails if the committed bundle differs.
import { build } from "esbuild";

const PAGES = {
  "src/main.js": "../board_server/static/board.js",
  "src/wall/main.js": "../board_server/static/wall.js",
  "src/observe/main.js": "../board_server/static/observe.js",
  "src/console/main.js": "../board_server/static/facilitate.js",
};

await Promise.all(
  Object.entries(PAGES).map(([entry, outfile]) =>
    build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      target: "es2020",
      minify: true,
      legalComments: "none",
      outfile,
      logLevel: "warning",
    }),
  ),
);
