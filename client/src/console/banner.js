// The banner on every screen, and the spotlight: one room everyone can look at.
import { el } from "../dom.js";
import { roomList } from "./phases.js";
import { redrawKeepingFocus } from "./ui.js";

export function bannerPanel({ send }) {
  const $ = (id) => document.getElementById(id);
  const text = $("banner-text");
  const now = $("banner-now");
  let current = null;

  $("banner-show").addEventListener("click", async () => {
    const value = text.value.trim();
    if (await send("banner.set", { text: value }, value ? "Banner shown" : "Banner cleared")) {
      text.value = value;
    }
  });
  $("banner-clear").addEventListener("click", async () => {
    if (await send("banner.set", { text: "" }, "Banner cleared")) text.value = "";
  });

  function render(state) {
    const banner = state.banner || "";
    if (banner === current) return;
    // The field follows the banner unless someone is writing a new one here.
    if (document.activeElement !== text && (text.value.trim() === (current || "") || !text.value)) text.value = banner;
    current = banner;
    now.textContent = banner ? `“${banner}”` : "none";
    $("banner-clear").disabled = !banner;
  }
  return { render };
}

export function spotlightPanel({ send }) {
  const $ = (id) => document.getElementById(id);
  const group = $("spotlight-rooms");
  const now = $("spotlight-now");
  const end = $("spotlight-end");
  let shown = "";
  end.addEventListener("click", () => send("spotlight.set", { room: null }, "Spotlight ended"));

  function render(state) {
    const on = state.spotlight ? state.spotlight.room : null;
    const rooms = roomList(state);
    const key = JSON.stringify([on, rooms.map(([id, room]) => [id, room.name])]);
    if (key === shown) return;
    shown = key;
    now.textContent = on ? `${state.spotlight.name || state.rooms[on]?.name || on}` : "no spotlight";
    document.getElementById("spotlight-now").parentElement.classList.toggle("live", Boolean(on));
    end.disabled = !on;
    redrawKeepingFocus(group, () => group.replaceChildren(...rooms.map(([id, room]) => el("button", {
      type: "button",
      class: `small secondary chip-button${id === on ? " current" : ""}`,
      "aria-pressed": String(id === on),
      "data-key": `spot-${id}`,
      "aria-label": `Spotlight ${room.name}`,
      onclick: () => send("spotlight.set", { room: id }, `${room.name} is in the spotlight`),
    }, el("span", { "aria-hidden": "true" }, id === on ? "★ " : "☆ "), room.name))));
  }
  return { render };
}
