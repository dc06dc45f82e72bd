// Bundles the tablet client into board_server/static/, so pip needs no Node.
// `make test` runs this and fails if the committed bundle differs.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.js"],
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  legalComments: "none",
  outfile: "../board_server/static/board.js",
  logLevel: "warning",
});
