// Rooms and people: per room its phase, timer, prompt, lock and the people
// in it, live; move a person to another room, remove them, or shuffle
// everyone evenly. Each room's board opens from here as the facilitator's,
// to moderate its notes (moderation.js).
import { el } from "../dom.js";
import { formatClock, STATE_WORDS, timerNow } from "./clock.js";
import { phaseLabel, roomList } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

const PROMPT_MAX = 300;

/** The room's board as the facilitator's: the token stays in the fragment, which reaches no server. */
export function facilitatorBoardUrl(session, id, name) {
  return `/board#${new URLSearchParams({ workshop: session.workshop, room: id, token: session.token, role: "facilitator", name })}`;
}

export function roomsPanel({ send, confirm, serverNow, say, session }) {
  const list = document.getElementById("room-cards");
  const total = document.getElementById("people-total");
  const cards = new Map();
  let state = null;
  let people = null;
  let openMenu = null; // the person whose "Move to" choices are open

  document.getElementById("shuffle").addEventListener("click", async () => {
    const ok = await confirm(
      "Shuffle everyone evenly?",
      "Everyone is spread evenly over the rooms. People who move see their new room's board on their tablet.",
      "Shuffle",
    );
    if (!ok) return;
    const result = await send("rooms.shuffle", {});
    if (result) say(`${result.moved} ${result.moved === 1 ? "person" : "people"} moved.`);
  });

  function card(id) {
    const name = el("h3", { class: "room-name" });
    const lockBadge = el("span", { class: "badge" });
    const facts = el("p", { class: "room-facts" });
    const board = el("a", { class: "small-link room-board", target: "_blank", rel: "noopener",
      title: "The board as you see it: hide a note, or keep it in the room" },
      el("span", { "aria-hidden": "true" }, "📋 "), "Open board");
    const phase = el("span", { class: "room-phase" });
    const timer = el("span", { class: "room-timer" });
    facts.append(phase, timer);
    const peopleHead = el("h4", { class: "people-head" });
    const peopleList = el("ul", { class: "people" });
    const promptId = `prompt-${id}`;
    const prompt = el("textarea", { id: promptId, rows: "2", maxlength: String(PROMPT_MAX), "data-key": `prompt-${id}` });
    const promptNote = el("span", { class: "dirty", hidden: "" }, "Not saved yet");
    const savePrompt = el("button", { type: "button", class: "small", "data-key": `save-prompt-${id}` }, "Save prompt");
    const lock = el("button", { type: "button", class: "small secondary lock-button", "data-key": `lock-${id}` });
    const area = el("fieldset", { class: "cmd-area" },
      el("legend", { class: "visually-hidden" }, `Controls for room ${id}`),
      peopleHead, peopleList,
      el("label", { for: promptId }, "Prompt for this room"),
      prompt,
      el("div", { class: "buttons" }, savePrompt, promptNote, lock));
    const node = el("li", { class: "room-card", "data-room": id },
      el("div", { class: "room-head" }, name, lockBadge), facts, board, area);
    const entry = { node, name, lockBadge, board, phase, timer, peopleHead, peopleList, prompt, promptNote, savePrompt, lock, saved: null, legend: area.firstChild };

    const edited = () => entry.prompt.value !== (entry.saved ?? "");
    prompt.addEventListener("input", () => {
      entry.promptNote.hidden = !edited();
    });
    savePrompt.addEventListener("click", async () => {
      const text = prompt.value.trim();
      const roomName = state.rooms[id]?.name || id;
      if (await send("room.prompt", { room: id, text }, `Prompt saved for ${roomName}`)) {
        entry.saved = text;
        prompt.value = text;
        entry.promptNote.hidden = true;
      }
    });
    lock.addEventListener("click", () => {
      const room = state.rooms[id];
      const locked = !room.locked;
      send("room.lock", { room: id, locked }, `${room.name} ${locked ? "locked: nobody can change its board" : "unlocked"}`);
    });
    entry.edited = edited;
    return entry;
  }

  function renderRoom(id, room, entry) {
    entry.name.textContent = room.name;
    entry.legend.textContent = `Controls for ${room.name}`;
    entry.board.href = facilitatorBoardUrl(session, id, room.name);
    entry.board.setAttribute("aria-label", `Open board: ${room.name}`);
    entry.lockBadge.textContent = room.locked ? "🔒 Locked" : "Open";
    entry.lockBadge.className = `badge${room.locked ? " locked" : ""}`;
    entry.lock.replaceChildren(el("span", { "aria-hidden": "true" }, room.locked ? "🔓 " : "🔒 "),
      room.locked ? "Unlock room" : "Lock room");
    entry.lock.setAttribute("aria-label", `${room.locked ? "Unlock" : "Lock"} ${room.name}`);
    entry.phase.textContent = room.phase ? `Phase: ${phaseLabel(state, room.phase)}` : "No phase yet: everything open";
    const prompt = room.prompt || "";
    // The field follows the server unless someone here has changed it.
    if (!entry.edited() || entry.prompt.value === prompt) {
      if (entry.prompt.value !== prompt) entry.prompt.value = prompt;
      entry.promptNote.hidden = true;
    }
    entry.saved = prompt;
    entry.promptNote.hidden = !entry.edited();
    entry.prompt.setAttribute("aria-label", `Prompt for ${room.name}`);
    entry.savePrompt.setAttribute("aria-label", `Save the prompt for ${room.name}`);
  }

  function personRow(person) {
    const others = roomList(state).filter(([id]) => id !== person.room);
    const open = openMenu === person.id;
    const counts = new Map();
    for (const p of people || []) counts.set(p.room, (counts.get(p.room) || 0) + 1);
    const menu = el("div", { class: "move-menu", role: "group", "aria-label": `Move ${person.name} to` },
      el("span", { class: "move-to", "aria-hidden": "true" }, "Move to:"),
      ...others.map(([id, room]) => el("button", {
        type: "button", class: "small secondary", "data-key": `to-${person.id}-${id}`,
        "aria-label": `Move ${person.name} to ${room.name}`,
        onclick: async () => {
          openMenu = null;
          const moved = await send("participant.move", { participant: person.id, room: id },
            `${person.name} moved to ${room.name}`);
          if (!moved) renderPeople();
        },
      }, `${room.name} (${counts.get(id) || 0} now)`)));
    menu.hidden = !open;
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        openMenu = null;
        renderPeople();
        list.querySelector(`[data-key="move-${CSS.escape(person.id)}"]`)?.focus();
      }
    });
    const toggle = el("button", {
      type: "button", class: "small secondary", "aria-expanded": String(open), "data-key": `move-${person.id}`,
      "aria-label": `Move ${person.name} to another room`,
      onclick: () => {
        openMenu = open ? null : person.id;
        renderPeople();
        if (openMenu) list.querySelector(".move-menu:not([hidden]) button")?.focus();
      },
    }, "Move…");
    const remove = el("button", {
      type: "button", class: "small secondary danger", "data-key": `remove-${person.id}`,
      "aria-label": `Remove ${person.name}`,
      onclick: async () => {
        const ok = await confirm(
          `Remove ${person.name}?`,
          "Their notes stay on the board. Their tablet leaves the workshop and their seat is free for someone else.",
          "Remove",
        );
        if (ok) await send("participant.remove", { participant: person.id }, `${person.name} removed`);
      },
    }, "Remove");
    return el("li", { class: `person${person.online ? " online" : ""}` },
      el("span", { class: "person-name" },
        el("span", { class: "dot", "aria-hidden": "true" }),
        el("span", { class: "name" }, person.name),
        el("span", { class: "presence" }, person.online ? "online" : "offline")),
      el("span", { class: "person-actions" }, ...(others.length ? [toggle] : []), remove),
      ...(others.length ? [menu] : []));
  }

  function renderPeople() {
    if (!state) return;
    if (!people) {
      total.textContent = "Loading who is here…";
      return;
    }
    const online = people.filter((p) => p.online).length;
    total.textContent = people.length
      ? `${people.length} ${people.length === 1 ? "person" : "people"} in the workshop, ${online} online now.`
      : "Nobody has joined yet. Share the join code.";
    if (openMenu && !people.some((p) => p.id === openMenu)) openMenu = null;
    redrawKeepingFocus(list, () => {
      for (const [id, entry] of cards) {
        const here = people.filter((p) => p.room === id);
        const on = here.filter((p) => p.online).length;
        entry.peopleHead.textContent = here.length ? `${here.length} ${here.length === 1 ? "person" : "people"}, ${on} online`
          : "Nobody here yet";
        entry.peopleList.replaceChildren(...here.map(personRow));
      }
    });
  }

  function render(next) {
    state = next;
    const rooms = roomList(state);
    for (const [id, room] of rooms) {
      if (!cards.has(id)) cards.set(id, card(id));
      renderRoom(id, room, cards.get(id));
    }
    for (const [id, entry] of cards) {
      if (!state.rooms[id]) {
        entry.node.remove();
        cards.delete(id);
      }
    }
    const order = rooms.map(([id]) => cards.get(id).node);
    if (order.some((node, index) => list.children[index] !== node)) list.replaceChildren(...order);
    renderPeople();
    tick();
  }

  function setPeople(next) {
    people = next;
    renderPeople();
  }

  function tick(flashing = false) {
    if (!state) return;
    for (const [id, entry] of cards) {
      const now = timerNow(state.rooms[id]?.timer, serverNow());
      const text = now.state === "stopped" ? "Timer: stopped" : `Timer: ${formatClock(now.left)}${now.state === "running" ? "" : ` (${STATE_WORDS[now.state].toLowerCase()})`}`;
      if (entry.timer.textContent !== text) entry.timer.textContent = text;
      entry.timer.dataset.state = now.state;
      entry.timer.classList.toggle("flash", flashing && now.state === "ended");
    }
  }

  return { render, setPeople, tick };
}
