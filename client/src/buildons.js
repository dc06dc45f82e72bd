// The build-on lane (docs/schema.md, `buildons`): what visitors from other
// tables left on the board on screen during a gallery walk, oldest first,
// beside the board and in the outline. Only the server writes it; each
// build-on names the table it came from, never a person.
import * as Y from "yjs";
import { el } from "./dom.js";
import { speak } from "./speech.js";

export const LANE_TITLE = "Build-ons from other tables";

/** The board's build-ons, oldest first: [{id, text, from}]; malformed entries are left out. */
export function orderedBuildons(root) {
  const items = [];
  for (const [id, entry] of root.entries()) {
    if (!(entry instanceof Y.Map) || typeof entry.get("text") !== "string") continue;
    const from = entry.get("from");
    items.push({
      id,
      text: entry.get("text"),
      from: typeof from === "string" && from ? from : "another table",
      created: Number(entry.get("created")) || 0,
    });
  }
  return items.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
}

/** "From Table 1: …", as one line of text. */
export const buildonWords = (item) => `From ${item.from}: ${item.text}`;

function laneItem(item) {
  const read = el("button", {
    type: "button", class: "icon-button buildon-read", onclick: () => speak(buildonWords(item)),
  }, el("span", { "aria-hidden": "true" }, "🔊"), "Read");
  return el("li", { class: "buildon" },
    el("p", { class: "buildon-text" }, el("strong", {}, `From ${item.from}:`), " ", item.text), read);
}

/** Follows the board on screen (connection.js "board"): #buildons and a section of the outline. */
export function buildonLane(connection) {
  const lane = document.getElementById("buildons");
  const list = lane.querySelector(".buildon-list");
  const count = lane.querySelector(".buildon-count");
  const toggle = lane.querySelector(".buildon-toggle");
  const outlineList = el("ul", {});
  const outline = el("section", { class: "outline-buildons", "aria-label": LANE_TITLE, hidden: "" },
    el("h3", {}, LANE_TITLE), outlineList);
  document.getElementById("outline").append(outline);
  // Build-ons never change once written: each keeps its node, and the focus on it.
  const nodes = new Map();
  let root = null;

  function render() {
    const items = root ? orderedBuildons(root) : [];
    lane.hidden = !items.length;
    outline.hidden = !items.length;
    count.textContent = `${items.length} ${items.length === 1 ? "build-on" : "build-ons"}`;
    items.forEach((item, index) => {
      let node = nodes.get(item.id);
      if (!node) {
        node = laneItem(item);
        nodes.set(item.id, node);
      }
      node.querySelector(".buildon-read").setAttribute("aria-label", `Read build-on ${index + 1} aloud`);
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    const kept = new Set(items.map((item) => item.id));
    for (const [id, node] of nodes) {
      if (kept.has(id)) continue;
      node.remove();
      nodes.delete(id);
    }
    outlineList.replaceChildren(...items.map((item) => el("li", {}, buildonWords(item))));
  }

  function expand(open) {
    lane.classList.toggle("collapsed", !open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.setAttribute("aria-label", open ? "Hide the build-ons" : "Show the build-ons");
    toggle.querySelector("[aria-hidden]").textContent = open ? "▾" : "▴";
    toggle.querySelector(".toggle-text").textContent = open ? "Hide" : "Show";
  }

  toggle.addEventListener("click", () => expand(lane.classList.contains("collapsed")));
  expand(true);
  connection.on("board", (shown) => {
    root?.unobserveDeep(render);
    for (const node of nodes.values()) node.remove();
    nodes.clear();
    root = shown?.doc.getMap("buildons") ?? null;
    root?.observeDeep(render);
    render();
  });
  render();
}
