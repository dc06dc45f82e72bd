// The page's session (workshop id and token): taken from the address's
// fragment once, kept on this device, and removed from the address bar, so
// a reload works and the token is not left on screen or in the history.

const FACILITATOR_KEY = "board.facilitator.";

/**
 * The session for this page, kept under `storageKey`. The fragment's
 * `workshop` and `token` win over what was kept. A facilitator's page also
 * keeps the token where the admin page keeps it, so a fragment with only
 * `workshop` (the printable cards' links) finds it again.
 */
export function takeSession(storageKey, { facilitator = false } = {}) {
  const hash = new URLSearchParams(location.hash.slice(1));
  const workshop = hash.get("workshop");
  const token = hash.get("token") || (facilitator && workshop && localStorage.getItem(FACILITATOR_KEY + workshop));
  if (workshop && token) {
    localStorage.setItem(storageKey, JSON.stringify({ workshop, token }));
    if (facilitator) localStorage.setItem(FACILITATOR_KEY + workshop, token);
  }
  if (hash.has("workshop") || hash.has("token")) {
    hash.delete("workshop");
    hash.delete("token");
    const rest = hash.toString();
    history.replaceState(history.state, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  let kept = null;
  try {
    kept = JSON.parse(localStorage.getItem(storageKey) || "null");
  } catch (err) {
    localStorage.removeItem(storageKey); // not JSON: nothing this page wrote
  }
  if (!kept || !kept.workshop || !kept.token) return null;
  // A link for another workshop whose token this device does not have opens nothing.
  return !workshop || kept.workshop === workshop ? kept : null;
}

/** The workshop socket's address: the command channel alone, no board. */
export function workshopSocketUrl(session) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const id = encodeURIComponent(session.workshop);
  return `${scheme}://${location.host}/ws/${id}?token=${encodeURIComponent(session.token)}`;
}

/** The board socket's base address, for a y-websocket provider (room name and token added by it). */
export function boardServerUrl(session) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}/ws/${encodeURIComponent(session.workshop)}`;
}

/** The server's public address (scheme, host, port) as tablets open it, given
 * the hello's `public_url` (channel.publicUrl); this page's without it. */
export function publicOrigin(url) {
  return url ? url.replace(/\/+$/, "") : location.origin;
}

/** The public address without its scheme, as people type it. */
export function publicHost(url) {
  return publicOrigin(url).replace(/^https?:\/\//, "");
}

/** A token of `role` for this workshop, issued with the session's facilitator token
 * (POST /api/workshops/{id}/tokens); an Error with the server's words if refused. */
export async function issueToken(session, role) {
  const response = await fetch(`/api/workshops/${encodeURIComponent(session.workshop)}/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${session.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ role }),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.detail || `The server said no (${response.status}).`);
  return answer.token;
}
