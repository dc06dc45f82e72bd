// Results and downloads: the workshop's outcomes in each export format, at
// any time (GET /api/workshops/{id}/export). The facilitator's token goes in
// the Authorization header, never in an address, and the file is saved
// under the name the server gives it.
import { el } from "../dom.js";

/** The card's buttons, in order: the format, its words, its icon and what it is in a sentence. */
export const DOWNLOADS = [
  { format: "pdf", label: "Report (PDF)", icon: "📄", what: "the PDF report" },
  { format: "md", label: "Report (Markdown)", icon: "📝", what: "the Markdown report" },
  { format: "csv", label: "Spreadsheets (CSV, zip)", icon: "📊", what: "the spreadsheets" },
  { format: "svg", label: "Pictures of the boards (SVG, zip)", icon: "🖼️", what: "the pictures of the boards" },
  { format: "json", label: "All data (JSON)", icon: "🗂️", what: "all the data" },
];

// A quick file needs no "Preparing…" line that flashes and goes.
const SLOW_MS = 500;
// Time for the browser to read the file from its object URL (FileSaver.js waits 40 s too).
const REVOKE_MS = 40_000;

/** A download that failed, its message in words for the facilitator. */
export class DownloadError extends Error {}

/** The file name in a Content-Disposition header, without any folder; `fallback` if none. */
export function attachmentName(header, fallback) {
  const quoted = /filename="([^"]*)"/i.exec(header || "");
  const bare = /filename=([^;"\s]+)/i.exec(header || "");
  const name = (quoted ? quoted[1] : bare ? bare[1] : "").split(/[\\/]/).pop().trim();
  return name || fallback;
}

/** The server's reason for a refusal: its JSON `detail`, else words for the status. */
async function refusal(response) {
  const body = await response.json().catch(() => null);
  if (body && typeof body.detail === "string" && body.detail) return body.detail;
  if (response.status === 401 || response.status === 403) {
    return "This console's link may not download the workshop. Open the console again from the admin page.";
  }
  if (response.status >= 500) return `The server could not make the file (error ${response.status}). Try again in a moment.`;
  return `The server said no (error ${response.status}).`;
}

/**
 * One export of the session's workshop, fetched with its facilitator token:
 * { blob, name }. Throws a DownloadError in plain words when it fails.
 */
export async function fetchExport(session, format, { names = false } = {}) {
  const query = new URLSearchParams({ format });
  if (names) query.set("names", "1");
  const url = `/api/workshops/${encodeURIComponent(session.workshop)}/export?${query}`;
  let response;
  let blob;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${session.token}` }, cache: "no-store" });
    if (response.ok) blob = await response.blob();
  } catch (err) {
    // fetch and blob() reject (a TypeError) only when the connection failed.
    if (!(err instanceof TypeError)) throw err;
    throw new DownloadError("No connection to the server. Check the network, then try again.");
  }
  if (!response.ok) throw new DownloadError(await refusal(response));
  return { blob, name: attachmentName(response.headers.get("Content-Disposition"), `workshop-${format}`) };
}

/** Save `blob` as a file called `name`, as a link with a download attribute does. */
export function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, hidden: "" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_MS);
}

const capital = (words) => words.charAt(0).toUpperCase() + words.slice(1);

function button(item, onclick) {
  return el("button", { type: "button", class: "secondary download", "data-format": item.format, "aria-busy": "false", onclick },
    el("span", { class: "download-icon", "aria-hidden": "true" }, item.icon),
    el("span", { class: "download-label" }, item.label),
    el("span", { class: "download-busy", hidden: "" }, el("span", { class: "spinner", "aria-hidden": "true" }), "Preparing…"));
}

/** The "Results and downloads" card: a button per format, the names choice and a status line. */
export function downloadsPanel({ session }) {
  const $ = (id) => document.getElementById(id);
  const status = $("downloads-status");
  const names = $("downloads-names");
  let named = false;
  let shown = 0;

  // The same words again (a second download of one file) are spoken again.
  function show(message, kind) {
    const mine = ++shown;
    status.dataset.kind = kind;
    if (status.textContent !== message) {
      status.textContent = message;
      return;
    }
    status.textContent = "";
    requestAnimationFrame(() => {
      if (mine === shown) status.textContent = message;
    });
  }

  function busy(control, on) {
    // aria-disabled, not disabled: a disabled button would drop the keyboard's place.
    control.setAttribute("aria-busy", String(on));
    control.setAttribute("aria-disabled", String(on));
    control.querySelector(".download-busy").hidden = !on;
  }

  async function download(item, control) {
    if (control.getAttribute("aria-busy") === "true") return;
    busy(control, true);
    const slow = setTimeout(() => show(`Preparing ${item.what}…`, "busy"), SLOW_MS);
    try {
      const file = await fetchExport(session, item.format, { names: named && names.checked });
      saveFile(file.blob, file.name);
      show(`Downloaded ${file.name}`, "done");
    } catch (err) {
      const why = err instanceof DownloadError ? err.message : "Something went wrong on this page. Try again.";
      show(`${capital(item.what)} could not be downloaded. ${why}`, "error");
      if (!(err instanceof DownloadError)) throw err;
    } finally {
      clearTimeout(slow);
      busy(control, false);
    }
  }

  $("download-buttons").replaceChildren(...DOWNLOADS.map((item) =>
    button(item, (event) => download(item, event.currentTarget))));

  return {
    /** Names are a choice only in a workshop of named notes. */
    render(state) {
      named = state.workshop.anonymous === false;
      $("downloads-names-box").hidden = !named;
      $("downloads-anonymous").hidden = named;
    },
  };
}
