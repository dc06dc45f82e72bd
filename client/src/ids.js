// Ids of what tablets add to a board (notes, groups, factors, links, action
// cards). Random, never built from the Yjs client id or the time: an id made
// from the client id would tie each item to the tablet that wrote it.

/** 24 hex digits from the browser's random source. */
export function randomId() {
  return [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
