// The facilitator console (/facilitate#workshop=ID&token=T): runs a workshop
// over the workshop socket's command channel: timer, phases, agenda, rooms,
// people, banner, spotlight, hidden notes, join cards, links, downloads and the
// activity list.
import { CommandChannel, openWorkshopSocket } from "../channel.js";
import { takeSession, workshopSocketUrl } from "./session.js";
import { announcer, confirmDialog, connectionState, problemLine, sender } from "./ui.js";
import { endAlarm, formatClock, timerNow } from "./clock.js";
import { chime } from "./chime.js";
import { roomList } from "./phases.js";
import { roomScope } from "./scope.js";
import { shownTimer, timerPanel } from "./timer.js";
import { phasePanel } from "./phase.js";
import { bannerPanel, spotlightPanel } from "./banner.js";
import { roomsPanel } from "./rooms.js";
import { agendaEditor } from "./agenda.js";
import { printView, sharePanel } from "./share.js";
import { auditPanel } from "./audit.js";
import { votePanel } from "./vote.js";
import { privatePanel } from "./private.js";
import { binPanel } from "./bin.js";
import { downloadsPanel } from "./downloads.js";

const TICK_MS = 250;
const FLASH_MS = 8000;

function noSession() {
  document.getElementById("console-main").replaceChildren(Object.assign(document.createElement("p"), {
    className: "no-session",
    textContent: "This console needs its link. Open it from the admin page (Open console), or with the link " +
      "/facilitate#workshop=ID&token=FACILITATOR_TOKEN.",
  }));
  document.getElementById("connection").textContent = "No link";
  document.getElementById("connection").dataset.state = "refused";
}

function start() {
  const session = takeSession("facilitate.session", { facilitator: true });
  if (!session) {
    noSession();
    return;
  }
  const printing = new URLSearchParams(location.hash.slice(1)).get("print");
  // The cards' "Back to the console" (or a card link opened in this tab) only
  // changes the fragment, which loads nothing: start again as the other view.
  window.addEventListener("hashchange", () => {
    if (new URLSearchParams(location.hash.slice(1)).get("print") !== printing) location.reload();
  });
  const channel = new CommandChannel();
  const $ = (id) => document.getElementById(id);
  const say = announcer($("announce"));
  const problem = problemLine($("problem"));
  const send = sender(channel, problem, say);
  const confirm = confirmDialog($("confirm"));
  const serverNow = () => channel.serverNow();
  const getState = () => channel.state;
  connectionState(channel, $("connection"));

  if (printing) {
    document.body.classList.add("printing");
    $("console-main").hidden = true;
    $("print-view").hidden = false;
    $("print-now").addEventListener("click", () => window.print());
    $("print-back").href = `${location.pathname}#workshop=${encodeURIComponent(session.workshop)}`;
    channel.on("state", (state) => {
      $("workshop-title").textContent = state.workshop.title;
      $("head-code").textContent = state.workshop.join_code;
      printView(state, printing, channel.publicUrl);
    });
    openWorkshopSocket(workshopSocketUrl(session), channel);
    return;
  }

  const scope = roomScope($("scope"), () => {
    if (channel.state) renderAll(channel.state);
  });
  const timer = timerPanel({ send, scope, getState, serverNow, say });
  const phase = phasePanel({ send, scope, say });
  const banner = bannerPanel({ send });
  const spotlight = spotlightPanel({ send });
  const vote = votePanel({ send, scope });
  const privateNotes = privatePanel({ send, confirm, say });
  const rooms = roomsPanel({ send, confirm, serverNow, say, session });
  const bin = binPanel({ send, say });
  const agenda = agendaEditor({ send, problem });
  const share = sharePanel({ session, say, problem, channel });
  const downloads = downloadsPanel({ session });
  const audit = auditPanel({ send, getState });
  const sound = chime("facilitate.sound", $("mute"));
  const headTimer = $("head-timer");

  function renderAll(state) {
    document.title = `Console: ${state.workshop.title}`;
    $("workshop-title").textContent = state.workshop.title;
    $("phase-scope-note").textContent = `Acts on ${scope.words(state) === "every room" ? "every room" : scope.words(state)} (choose under Timer: Which rooms).`;
    scope.render(state);
    phase.render(state);
    banner.render(state);
    spotlight.render(state);
    vote.render(state);
    privateNotes.render(state);
    rooms.render(state);
    bin.render(state);
    agenda.render(state);
    share.render(state);
    downloads.render(state);
    tick();
  }

  const alarm = endAlarm(sound, say, FLASH_MS);

  function tick() {
    const state = channel.state;
    if (!state) return;
    const now = serverNow();
    for (const [id, room] of roomList(state)) alarm.watch(id, room.timer, now);
    const flashing = alarm.flashing();
    timer.tick(flashing);
    rooms.tick(flashing);
    const all = shownTimer(state, roomList(state).map(([id]) => id));
    const shown = timerNow(all.timer, now);
    headTimer.textContent = all.mixed ? "⏱ Timers differ"
      : shown.state === "stopped" ? "" : `⏱ ${formatClock(shown.left)}${shown.state === "paused" ? " paused" : ""}`;
    headTimer.dataset.state = all.mixed ? "mixed" : shown.state;
    headTimer.classList.toggle("flash", flashing && shown.state === "ended");
  }
  setInterval(tick, TICK_MS);

  channel.on("state", renderAll);
  channel.on("connect", async (hello) => {
    if (hello.you && hello.you.role !== "facilitator") {
      problem("This link is not a facilitator's: it can watch, but not run the workshop. Open the console from the admin page.");
      return;
    }
    const result = await send("people");
    if (result) rooms.setPeople(result.people || []);
    audit.load();
    privateNotes.load();
    bin.load();
  });
  channel.on("disconnect", ({ code, reason, final }) => {
    if (final && code >= 4400 && code < 4500) {
      problem(`The server refused this console: ${reason || "the link does not work"}. ` +
        "Open the console again from the admin page (Open the facilitator console).");
    }
  });
  channel.on("people", (data) => rooms.setPeople(data.people || []));
  channel.on("audit", (entry) => audit.push(entry));
  channel.on("vote.progress", (data) => vote.progress(data));
  channel.on("vote.results", (data) => vote.results(data));
  channel.on("drafts.count", (data) => privateNotes.counts(data));
  channel.on("bin", (data) => bin.take(data));
  openWorkshopSocket(workshopSocketUrl(session), channel);
  // For the browser tests: the live channel.
  window.facilitate = { channel };
}

start();
