// The agenda editor: phases with a title, an icon, minutes and the tablet
// actions they open; add, remove, reorder, then save with agenda.set.
import { el } from "../dom.js";
import { ACTIONS, ICONS, iconOf } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

const MAX_PHASES = 20;
const MAX_TITLE = 40;
const MAX_MINUTES = 720;

/** A phase id from its title, unique among `taken`: [a-z0-9-]{1,24}. */
export function phaseId(title, taken) {
  const base = title.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")
    .slice(0, 20).replace(/-+$/, "") || "phase";
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}-${n}`;
  return id;
}

/** The draft as agenda.set wants it, or the first problem in words. */
export function agendaArgs(draft) {
  if (!draft.length) return { problem: "Keep at least one phase." };
  if (draft.length > MAX_PHASES) return { problem: `At most ${MAX_PHASES} phases.` };
  const taken = new Set(draft.filter((phase) => phase.id).map((phase) => phase.id));
  const phases = [];
  for (const [index, phase] of draft.entries()) {
    const title = phase.title.trim();
    if (!title) return { problem: `Phase ${index + 1} needs a title.`, index, field: "title" };
    if (title.length > MAX_TITLE) return { problem: `Phase ${index + 1}: a title has at most ${MAX_TITLE} characters.`, index, field: "title" };
    const text = String(phase.minutes ?? "").trim();
    const minutes = text === "" ? null : Number(text);
    if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES)) {
      return { problem: `Phase ${index + 1}: minutes are a whole number from 1 to ${MAX_MINUTES}, or empty for no timer.`, index, field: "minutes" };
    }
    let id = phase.id;
    if (!id) {
      id = phaseId(title, taken);
      taken.add(id);
    }
    phases.push({ id, title, icon: phase.icon, minutes, open: ACTIONS.map(([a]) => a).filter((a) => phase.open.includes(a)) });
  }
  return { phases };
}

const copy = (agenda) => agenda.map((phase) => ({
  id: phase.id, title: phase.title, icon: phase.icon || "star",
  minutes: phase.minutes ?? "", open: [...(phase.open || [])],
}));

export function agendaEditor({ send, problem }) {
  const $ = (id) => document.getElementById(id);
  const list = $("agenda-list");
  const dirtyNote = $("agenda-dirty");
  let draft = [];
  let saved = "[]";
  let dirty = false;
  let counter = 0; // keys for phases not saved yet

  // Compared as shown: "20" typed equals 20 saved, and the order of ticks does not count.
  const norm = (phases) => JSON.stringify(phases.map((phase) => [
    phase.id, phase.title, phase.icon, String(phase.minutes ?? ""), ACTIONS.map(([a]) => a).filter((a) => phase.open.includes(a)),
  ]));
  const markDirty = () => {
    dirty = norm(draft) !== norm(JSON.parse(saved));
    dirtyNote.hidden = !dirty;
    $("agenda-reset").disabled = !dirty;
  };

  function row(phase, index) {
    const key = phase.id || phase.key;
    const n = index + 1;
    const title = el("input", {
      id: `phase-title-${key}`, maxlength: String(MAX_TITLE), "data-key": `title-${key}`, "aria-label": `Phase ${n} title`,
    });
    title.value = phase.title;
    title.addEventListener("input", () => {
      phase.title = title.value;
      markDirty();
    });
    const icon = el("select", { "data-key": `icon-${key}`, "aria-label": `Phase ${n} icon` },
      ...ICONS.map(([name, picture, words]) => {
        const option = el("option", { value: name }, `${picture} ${words}`);
        option.selected = name === phase.icon;
        return option;
      }));
    icon.addEventListener("change", () => {
      phase.icon = icon.value;
      shownIcon.textContent = iconOf(phase.icon);
      markDirty();
    });
    const minutes = el("input", {
      type: "number", inputmode: "numeric", min: "1", max: String(MAX_MINUTES), step: "1",
      placeholder: "none", "data-key": `minutes-${key}`, "aria-label": `Phase ${n} minutes (empty for no timer)`,
    });
    minutes.value = phase.minutes ?? "";
    minutes.addEventListener("input", () => {
      phase.minutes = minutes.value;
      markDirty();
    });
    const open = el("fieldset", { class: "open-actions" }, el("legend", {}, "Open on tablets"),
      ...ACTIONS.map(([action, words]) => {
        const box = el("input", { type: "checkbox", "data-key": `open-${key}-${action}` });
        box.checked = phase.open.includes(action);
        box.addEventListener("change", () => {
          phase.open = box.checked ? [...phase.open, action] : phase.open.filter((a) => a !== action);
          markDirty();
        });
        return el("label", { class: "check" }, box, words);
      }));
    const button = (label, text, action, disabled, name) => {
      const node = el("button", { type: "button", class: "small secondary", "aria-label": label, "data-key": `${name}-${key}`, onclick: action }, text);
      node.disabled = disabled;
      return node;
    };
    const shownIcon = el("span", { class: "agenda-icon", "aria-hidden": "true" }, iconOf(phase.icon));
    return el("li", { class: "agenda-row" },
      el("div", { class: "agenda-main" },
        el("span", { class: "agenda-number" }, `${n}.`), shownIcon,
        el("label", { class: "field" }, el("span", {}, "Title"), title),
        el("label", { class: "field" }, el("span", {}, "Icon"), icon),
        el("label", { class: "field minutes-field" }, el("span", {}, "Minutes"), minutes)),
      el("div", { class: "agenda-more" }, open,
        el("div", { class: "agenda-moves" },
          button(`Move phase ${n} up`, "↑ Up", () => move(index, -1), index === 0, "up"),
          button(`Move phase ${n} down`, "↓ Down", () => move(index, 1), index === draft.length - 1, "down"),
          button(`Remove phase ${n}`, "🗑 Remove", () => remove(index), draft.length === 1, "remove"))));
  }

  function draw() {
    redrawKeepingFocus(list, () => list.replaceChildren(...draft.map(row)));
    $("agenda-add").disabled = draft.length >= MAX_PHASES;
    markDirty();
  }

  function move(index, step) {
    const [phase] = draft.splice(index, 1);
    draft.splice(index + step, 0, phase);
    draw();
  }

  function remove(index) {
    draft.splice(index, 1);
    draw();
    const rows = list.querySelectorAll(".agenda-row");
    (rows[Math.min(index, rows.length - 1)]?.querySelector("input") || $("agenda-add")).focus();
  }

  $("agenda-add").addEventListener("click", () => {
    counter += 1;
    draft.push({ id: "", key: `new${counter}`, title: "", icon: "star", minutes: "", open: ["notes"] });
    draw();
    list.lastElementChild?.querySelector("input")?.focus();
  });
  $("agenda-reset").addEventListener("click", () => {
    draft = copy(JSON.parse(saved));
    draw();
  });
  $("agenda-save").addEventListener("click", async () => {
    const { phases, problem: wrong, index, field } = agendaArgs(draft);
    if (wrong) {
      problem(wrong);
      list.children[index]?.querySelector(`[data-key^="${field}-"]`)?.focus();
      return;
    }
    const result = await send("agenda.set", { phases }, "Agenda saved");
    if (result) {
      saved = JSON.stringify(copy(result.state ? result.state.agenda : phases));
      draft = copy(JSON.parse(saved));
      draw();
    }
  });

  function render(state) {
    const incoming = JSON.stringify(copy(state.agenda || []));
    if (incoming === saved) return;
    saved = incoming;
    // Someone's edits here are kept; the saved agenda is what "Undo changes" returns to.
    if (!dirty) draft = copy(state.agenda || []);
    draw();
  }

  return { render };
}
