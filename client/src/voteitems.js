// What a vote is about, in words the tablets and the wall share: its items on
// a board (notes, or groups when the vote is on groups), their names, and the
// words for an amount, a spread of scores and who gave what.
import * as Y from "yjs";
import { orderedNotes } from "./notes.js";

const isCluster = (cluster) => cluster instanceof Y.Map && cluster.get("title") instanceof Y.Text;
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** "idea"/"ideas" or "group"/"groups", for a count of n items. */
export const itemNoun = (items, n) => (items === "groups" ? (n === 1 ? "group" : "groups") : (n === 1 ? "idea" : "ideas"));

/** The ids a person can vote on now: the notes, or the groups that hold a note. */
export function itemsOnBoard(doc, items) {
  if (!doc) return new Set();
  const notes = orderedNotes(doc.getMap("notes"));
  if (items !== "groups") return new Set(notes.map(([id]) => id));
  const used = new Set(notes.map(([, note]) => note.get("cluster")).filter(Boolean));
  return new Set([...doc.getMap("clusters").entries()]
    .filter(([cid, cluster]) => used.has(cid) && isCluster(cluster)).map(([cid]) => cid));
}

const groupTitle = (doc, id) => doc?.getMap("clusters").get(id)?.get?.("title")?.toString?.().trim() || "";

/** An item in a list: a note's words (or emoji), or a group's title. */
export function itemName(doc, items, id) {
  if (items === "groups") return groupTitle(doc, id) || "Unnamed group";
  const note = doc?.getMap("notes").get(id);
  const text = note?.get?.("text")?.toString?.().trim() || "";
  return text || note?.get?.("emoji") || "an idea without words";
}

/** An item inside a sentence: “More buses”, the group “Transport”, the unnamed group. */
export function itemPhrase(doc, items, id) {
  if (items !== "groups") return `“${itemName(doc, items, id)}”`;
  const title = groupTitle(doc, id);
  return title ? `the group “${title}”` : "the unnamed group";
}

/** An amount of a dots or budget vote: "2 dots", "£20". */
export const amountWords = (mode, unit, n) => (mode === "budget" ? `${unit || ""}${n}` : plural(n, "dot", "dots"));

/** A scale item's spread ([count of 1s, …, 5s]) in short: "1★ ×1, 5★ ×1". */
export const spreadShort = (spread) => spread
  .map((count, i) => (count ? `${i + 1}★ ×${count}` : "")).filter(Boolean).join(", ");

/** The same in a sentence: "1 person gave 1, 2 people gave 5". */
export const spreadSentence = (spread) => spread
  .map((count, i) => (count ? `${plural(count, "person", "people")} gave ${i + 1}` : "")).filter(Boolean).join(", ");

/** Who gave what in a named vote (RESULTS entries' `by`): "Ann 2 · Ben 1", or "" when absent. */
export function byWords(by, mode, unit) {
  if (!Array.isArray(by)) return "";
  return by.map((p) => `${p.name} ${mode === "budget" ? `${unit || ""}${p.amount}` : p.amount}`).join(" · ");
}
