// Admin page: create workshops and list them with everything a facilitator
// hands out. The admin token is kept on this device (localStorage) and never
// in the address bar, so a reload works and a printed link is only needed once.
(function () {
  "use strict";
  const TOKEN_KEY = "board.admin.token";
  // The facilitator token of each workshop, kept under this prefix + its id.
  const FACILITATOR_KEY = "board.facilitator.";
  const WRONG_TOKEN = "This admin token is not right. Paste the admin link that the board " +
    "server printed when it started.";
  const NO_SERVER = "No connection to the board server. Check the Wi-Fi and try again.";

  const $ = (id) => document.getElementById(id);
  const signIn = $("sign-in");
  const signedIn = $("signed-in");
  const signInError = $("sign-in-error");
  const listState = $("list-state");
  const list = $("workshops");
  const toast = $("toast");
  let workshops = [];

  /** A token from a pasted admin link (?token= or #token=), or the token itself. */
  function tokenFrom(text) {
    const trimmed = text.trim();
    const match = trimmed.match(/[?#&]token=([^&#\s]*)/);
    if (match) {
      try {
        return decodeURIComponent(match[1]);
      } catch (err) {
        return ""; // a broken %-escape: not a token the server gave out
      }
    }
    // A link without a token in it, or a sentence, is not a token.
    if (/^https?:/i.test(trimmed) || /\s/.test(trimmed)) return "";
    return trimmed;
  }

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props);
    node.append(...children);
    return node;
  }

  function say(message) {
    // Re-inserting the text restarts the fade and makes screen readers speak
    // a message that is the same as the last one.
    toast.textContent = "";
    toast.classList.remove("show");
    void toast.offsetWidth;
    toast.textContent = message;
    toast.classList.add("show");
  }

  // Agendas to start from (docs/protocol.md, agenda.set); "standard" is the server's own default.
  const AGENDAS = {
    standard: null,
    ideas: [
      { id: "welcome", title: "Welcome", icon: "wave", minutes: null, open: [] },
      { id: "ideate", title: "Ideas", icon: "bulb", minutes: 15, open: ["notes"] },
      { id: "vote", title: "Vote", icon: "vote", minutes: 5, open: ["vote"] },
    ],
    open: [{ id: "open", title: "Open board", icon: "star", minutes: null, open: ["notes", "groups", "map", "vote"] }],
  };

  /** The facilitator console of a workshop; the token travels in the fragment, never to the server's logs. */
  function consoleLink(id, token) {
    return "/facilitate#workshop=" + encodeURIComponent(id) + (token ? "&token=" + encodeURIComponent(token) : "");
  }

  class Unauthorized extends Error {}
  class Gone extends Error {}

  /** Call the API with the admin token: the JSON answer, or an Error with its detail. */
  async function api(method, path, body) {
    const headers = { Authorization: "Bearer " + (localStorage.getItem(TOKEN_KEY) || "") };
    if (body) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body && JSON.stringify(body) });
    } catch (err) {
      throw new Error(NO_SERVER);
    }
    // A proxy in the way may answer with a page instead of JSON.
    const answer = await response.json().catch(() => ({}));
    if (response.status === 401) throw new Unauthorized(answer.detail);
    if (response.status === 404 && method === "DELETE") throw new Gone(answer.detail);
    if (!response.ok) throw new Error(answer.detail || "The server said no (" + response.status + ").");
    return answer;
  }

  function showSignedIn() {
    signIn.hidden = true;
    signedIn.hidden = false;
    $("forget").hidden = false;
  }

  function showSignIn(message) {
    signedIn.hidden = true;
    $("forget").hidden = true;
    signIn.hidden = false;
    signInError.textContent = message;
    $("admin-link").value = "";
    $("admin-link").focus();
  }

  /** A wrong token goes from this device, and the page asks for another. */
  function handle(err, where) {
    if (err instanceof Unauthorized) {
      localStorage.removeItem(TOKEN_KEY);
      showSignIn(WRONG_TOKEN);
      return false;
    }
    where.textContent = err.message;
    return true;
  }

  async function load() {
    listState.textContent = "Loading the workshops\u2026";
    let answer;
    try {
      answer = await api("GET", "/api/workshops");
    } catch (err) {
      // Without the server the list cannot show, but Refresh can try again.
      if (handle(err, listState)) showSignedIn();
      return false;
    }
    showSignedIn();
    // A workshop created while the list was on its way stays listed.
    const listed = new Set(answer.workshops.map((w) => w.id));
    workshops = answer.workshops.concat(workshops.filter((w) => !listed.has(w.id)));
    workshops.sort((a, b) => b.created - a.created);
    render();
    return true;
  }

  function render() {
    listState.textContent = workshops.length ? "" : "No workshops yet. Create the first one here.";
    list.replaceChildren(...workshops.map(card));
  }

  // --- Copying -------------------------------------------------------------

  function selectText(node) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  async function copy(text, shown, what) {
    // navigator.clipboard exists only on https or localhost; a hall server
    // on a LAN address gets the text selected, ready for Ctrl+C or a long press.
    let copied = false;
    if (navigator.clipboard) {
      copied = await navigator.clipboard.writeText(text).then(() => true, () => false);
    }
    if (!copied) {
      selectText(shown);
      copied = document.execCommand("copy");
    }
    say(copied
      ? "Copied the " + what + "."
      : "The " + what + " is selected. Press Ctrl+C, or hold it and choose Copy.");
  }

  /** A labelled value with its Copy button on the label's line, so the value
   *  below has the whole width (links and tokens are long on a phone). */
  function copyable(label, text, what, className) {
    const shown = el("code", { className: className || "value", textContent: text });
    const button = el("button", { type: "button", className: "small secondary", textContent: "Copy" });
    button.setAttribute("aria-label", "Copy " + what);
    button.addEventListener("click", () => copy(text, shown, what));
    return el("div", { className: "copyable" },
      el("div", { className: "copy-head" }, el("div", { className: "copy-label" }, ...label), button),
      shown);
  }

  // --- One workshop --------------------------------------------------------

  function created(seconds) {
    const when = new Date(seconds * 1000);
    return "Created " + when.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  /** The join link as a QR code, drawn by the server on its public address. */
  function qrImage(code, room, what) {
    const src = "/join/" + encodeURIComponent(code) + "/qr.svg" + (room ? "?room=" + encodeURIComponent(room) : "");
    return el("img", { className: "qr", src: src, alt: "QR code of the " + what, width: 192, height: 192 });
  }

  function roomQr(code, room) {
    const toggle = el("button", { type: "button", className: "small secondary", textContent: "QR code" });
    toggle.setAttribute("aria-label", "Show the QR code for " + room.name);
    toggle.setAttribute("aria-expanded", "false");
    let image = null;
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      if (!image) {
        image = qrImage(code, room.id, "join link for " + room.name);
        toggle.after(image);
      }
      image.hidden = !open;
      toggle.setAttribute("aria-expanded", String(open));
      toggle.setAttribute("aria-label", (open ? "Hide" : "Show") + " the QR code for " + room.name);
    });
    return toggle;
  }

  function roomItem(room, capacity, code) {
    const seats = "Seats: " + (room.seats || 0) + " of " + capacity + " \u00b7 Room id: " + room.id;
    return el("li", { className: "room" }, copyable([
      el("p", { className: "room-name", textContent: room.name }),
      el("p", { className: "room-meta", textContent: seats }),
    ], room.join_url, "join link for " + room.name), roomQr(code, room));
  }

  function card(workshop) {
    const headingId = "w-" + workshop.id;
    const heading = el("h3", { id: headingId, tabIndex: -1, textContent: workshop.title });
    const article = el("article", { className: "workshop" },
      heading,
      el("p", { className: "help", textContent: created(workshop.created) }),
      facilitatorPart(workshop, false),
      el("div", { className: "facts" },
        copyable(["Join code"], workshop.join_code, "join code", "join-code"),
        copyable(["Join link"], workshop.join_url, "join link"),
        qrImage(workshop.join_code, null, "join link"),
        copyable(["Workshop id"], workshop.id, "workshop id")),
      el("h4", { textContent: "Rooms" }),
      el("ul", { className: "rooms" },
        ...workshop.rooms.map((room) => roomItem(room, workshop.room_capacity, workshop.join_code))),
      deletePart(workshop));
    article.setAttribute("aria-labelledby", headingId);
    return el("li", {}, article);
  }

  // --- Deleting ------------------------------------------------------------

  /** Whether the typed text names the workshop: its join code, or its name (title). */
  function confirms(workshop, typed) {
    const text = typed.trim().toLowerCase();
    return text !== "" && (text === workshop.join_code.toLowerCase() ||
      text === workshop.title.trim().toLowerCase());
  }

  /** "Delete workshop": opens a form that asks for the join code or the name first. */
  function deletePart(workshop) {
    const panelId = "delete-" + workshop.id;
    const inputId = "delete-confirm-" + workshop.id;
    const open = el("button", { type: "button", className: "secondary danger", textContent: "Delete workshop" });
    open.setAttribute("aria-controls", panelId);
    open.setAttribute("aria-expanded", "false");
    open.setAttribute("aria-label", "Delete the workshop " + workshop.title);
    const input = el("input", { id: inputId, autocomplete: "off", autocapitalize: "off", spellcheck: false });
    const problem = el("p", { id: inputId + "-error", className: "error" });
    problem.setAttribute("role", "alert");
    input.setAttribute("aria-describedby", panelId + "-warning " + problem.id);
    const confirm = el("button", { type: "submit", className: "danger", textContent: "Delete for good" });
    const cancel = el("button", { type: "button", className: "secondary", textContent: "Keep it" });
    const form = el("form", { className: "delete-form" },
      el("label", { htmlFor: inputId,
        textContent: "To delete it, type its join code (" + workshop.join_code + ") or its name" }),
      input, problem, el("div", { className: "delete-actions" }, confirm, cancel));
    const panel = el("div", { id: panelId, className: "delete-panel", hidden: true },
      el("p", { id: panelId + "-warning", className: "help",
        textContent: "This deletes the workshop for good: every board, the names, private drafts, " +
          "votes and the activity list. Every tablet and screen in it is disconnected." }),
      form);
    const show = (shown) => {
      panel.hidden = !shown;
      open.setAttribute("aria-expanded", String(shown));
      if (shown) input.focus(); else open.focus();
    };
    open.addEventListener("click", () => show(panel.hidden));
    cancel.addEventListener("click", () => {
      input.value = "";
      problem.textContent = "";
      show(false);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!confirms(workshop, input.value)) {
        problem.textContent = "That is not this workshop's join code or name; nothing was deleted.";
        input.focus();
        return;
      }
      problem.textContent = "";
      confirm.disabled = true;
      try {
        await api("DELETE", "/api/workshops/" + encodeURIComponent(workshop.id));
      } catch (err) {
        confirm.disabled = false;
        // Already gone (deleted elsewhere): it leaves the list all the same.
        if (!(err instanceof Gone)) {
          handle(err, problem);
          return;
        }
      }
      localStorage.removeItem(FACILITATOR_KEY + workshop.id);
      workshops = workshops.filter((w) => w.id !== workshop.id);
      render();
      $("list-heading").focus();
      say("Deleted the workshop \u201c" + workshop.title + "\u201d and everything kept of it.");
    });
    return el("div", { className: "delete" }, open, panel);
  }

  /** The facilitator token: kept on this device, or fetched with the admin token. */
  function facilitatorPart(workshop, open) {
    const token = localStorage.getItem(FACILITATOR_KEY + workshop.id);
    const part = el("div", { className: "facilitator" });
    const problem = el("p", { className: "error" });
    problem.setAttribute("role", "alert");
    if (!token) {
      const get = el("button", { type: "button", className: "secondary", textContent: "Get a facilitator token" });
      get.addEventListener("click", async () => {
        get.disabled = true;
        try {
          const answer = await api("POST", "/api/workshops/" + encodeURIComponent(workshop.id) +
            "/tokens", { role: "facilitator" });
          localStorage.setItem(FACILITATOR_KEY + workshop.id, answer.token);
          const shown = facilitatorPart(workshop, true);
          part.replaceWith(shown);
          shown.querySelector(".copy-head button").focus();
        } catch (err) {
          get.disabled = false;
          handle(err, problem);
        }
      });
      part.append(get, problem);
      return part;
    }
    const consoleAnchor = el("a", { className: "console-link", href: consoleLink(workshop.id, null),
      textContent: "Open the facilitator console" });
    consoleAnchor.setAttribute("aria-label", "Open the facilitator console for " + workshop.title);
    const panelId = "token-" + workshop.id;
    const toggle = el("button", { type: "button", className: "secondary" });
    toggle.setAttribute("aria-controls", panelId);
    const panel = el("div", { id: panelId, className: "token-panel" },
      copyable(["Facilitator token ", el("span", { className: "help",
        textContent: "(keep it private: it lets anyone run this workshop)" })],
      token, "facilitator token", "value token"));
    const show = (shown) => {
      panel.hidden = !shown;
      toggle.setAttribute("aria-expanded", String(shown));
      toggle.textContent = (shown ? "Hide" : "Show") + " facilitator token";
    };
    toggle.addEventListener("click", () => show(panel.hidden));
    show(open);
    part.append(consoleAnchor, toggle, panel);
    return part;
  }

  // --- Creating ------------------------------------------------------------

  $("create-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const problem = $("create-error");
    const rooms = $("rooms").value.split("\n").map((s) => s.trim()).filter(Boolean);
    if (!rooms.length) {
      problem.textContent = "Write at least one room name.";
      $("rooms").focus();
      return;
    }
    const body = {
      title: $("title").value.trim(),
      rooms,
      room_capacity: Number($("capacity").value),
      anonymous: form.querySelector("input[name=notes-kind]:checked").value === "anonymous",
    };
    const agenda = AGENDAS[$("agenda").value];
    if (agenda) body.agenda = agenda;
    problem.textContent = "";
    form.querySelector("button[type=submit]").disabled = true;
    try {
      const workshop = await api("POST", "/api/workshops", body);
      const token = workshop.facilitator_token;
      localStorage.setItem(FACILITATOR_KEY + workshop.id, token);
      delete workshop.facilitator_token;
      workshops.unshift(workshop);
      render();
      $("title").value = "";
      // The console runs the workshop; this list keeps a link to it.
      location.assign(consoleLink(workshop.id, token));
    } catch (err) {
      handle(err, problem);
    } finally {
      form.querySelector("button[type=submit]").disabled = false;
    }
  });

  // --- Signing in and out --------------------------------------------------

  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = tokenFrom($("admin-link").value);
    if (!token) {
      signInError.textContent = "Paste the whole admin link, or the token after \u201ctoken=\u201d.";
      return;
    }
    signInError.textContent = "";
    localStorage.setItem(TOKEN_KEY, token);
    if (await load()) $("new-heading").focus();
  });

  $("forget").addEventListener("click", () => {
    localStorage.removeItem(TOKEN_KEY);
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith(FACILITATOR_KEY)) localStorage.removeItem(key);
    }
    workshops = [];
    list.replaceChildren();
    showSignIn("");
    say("This device no longer keeps the admin token or any facilitator token.");
  });

  $("refresh").addEventListener("click", async () => {
    if (await load()) say("The list is up to date.");
  });

  // The printed link carries the token once: keep it, then take it out of the address bar.
  const fromAddress = tokenFrom(location.search + location.hash);
  if (location.search || location.hash) history.replaceState(null, "", location.pathname);
  if (fromAddress) localStorage.setItem(TOKEN_KEY, fromAddress);
  if (localStorage.getItem(TOKEN_KEY)) {
    load();
  } else {
    showSignIn("");
  }
})();
