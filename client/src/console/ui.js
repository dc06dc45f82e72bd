// What every part of the console shares: sending a command with its error
// in plain words, the connection state, a confirm dialog, and keeping the
// keyboard's place when a list is drawn again.

const ERROR_WORDS = {
  offline: "Not connected to the server. Wait until the top right says Online, then try again.",
  timeout: "The server did not answer in time. Try again.",
  forbidden: "Only a facilitator can do that.",
  rate_limited: "Too many changes at once. Wait a second and try again.",
};

/** A command's error in plain words: the server's own detail when it gave one. */
export function errorWords(err) {
  if (err && err.code === "offline") return ERROR_WORDS.offline;
  if (err && err.detail) return err.detail;
  return (err && ERROR_WORDS[err.code]) || `That did not work (${(err && err.code) || err}).`;
}

/** The problem line under the header: stays until OK or the next problem. */
export function problemLine(box) {
  const text = box.querySelector(".problem-text");
  box.querySelector("button").addEventListener("click", () => {
    box.hidden = true;
  });
  return (message) => {
    text.textContent = message;
    box.hidden = !message;
  };
}

/** say(message): spoken by screen readers (the same words twice are spoken twice). */
export function announcer(region) {
  return (message) => {
    region.textContent = "";
    requestAnimationFrame(() => {
      region.textContent = message;
    });
  };
}

/**
 * send(cmd, args, done?) runs a command; a refusal shows in the problem line.
 * Resolves with the result, or null when it was refused.
 */
export function sender(channel, problem, say) {
  return async (cmd, args = {}, done = "") => {
    try {
      const result = await channel.request(cmd, args);
      problem("");
      if (done) say(done);
      return result;
    } catch (err) {
      problem(errorWords(err));
      return null;
    }
  };
}

const STATUS_TEXT = {
  connecting: "Connecting…",
  connected: "Online",
  disconnected: "Reconnecting…",
};

/**
 * Shows the channel's connection on `status` and enables the command
 * controls (fieldset.cmd-area) only while they can reach the server.
 */
export function connectionState(channel, status) {
  const show = (state, text = STATUS_TEXT[state]) => {
    status.dataset.state = state;
    status.textContent = text;
    document.body.dataset.connection = state;
    for (const area of document.querySelectorAll("fieldset.cmd-area")) area.disabled = state !== "connected";
  };
  show("connecting");
  channel.on("connect", () => show("connected"));
  channel.on("disconnect", ({ code, reason, final }) => {
    if (final && code >= 4400 && code < 4500) {
      show("refused", `${reason || "This link no longer works."} Open a new link.`);
    } else if (final) {
      show("refused", "Closed.");
    } else {
      show("disconnected");
    }
  });
  window.addEventListener("offline", () => show("disconnected", "No network"));
  return show;
}

/** confirm(title, text, okLabel) → Promise<boolean>, in the page's <dialog id="confirm">. */
export function confirmDialog(dialog) {
  const title = dialog.querySelector("#confirm-title");
  const text = dialog.querySelector("#confirm-text");
  const ok = dialog.querySelector("#confirm-ok");
  const cancel = dialog.querySelector("#confirm-cancel");
  let settle = null;
  const finish = (answer) => {
    if (dialog.open) dialog.close();
    if (settle) settle(answer);
    settle = null;
  };
  ok.addEventListener("click", () => finish(true));
  cancel.addEventListener("click", () => finish(false));
  dialog.addEventListener("close", () => finish(false));
  return (heading, body, okLabel) =>
    new Promise((resolve) => {
      const opener = document.activeElement;
      settle = (answer) => {
        resolve(answer);
        if (opener && opener.isConnected) opener.focus();
      };
      title.textContent = heading;
      text.textContent = body;
      ok.textContent = okLabel;
      dialog.showModal();
      cancel.focus();
    });
}

/**
 * Run draw(), which replaces the children of `container`, and put the
 * keyboard back on the control with the same data-key it was on.
 */
export function redrawKeepingFocus(container, draw) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  draw();
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    // The control went (a person moved away, a phase removed): the nearest one left.
    const next = again && !again.disabled ? again : container.querySelector("button:not(:disabled), input, textarea, select");
    if (next) next.focus();
  }
}

/** A modal dialog that `opener` opens (the keyboard on `closer`), and that
 * `closer` or a tap outside its box closes. */
export function modalDialog(dialog, opener, closer) {
  opener.addEventListener("click", () => {
    dialog.showModal();
    closer.focus();
  });
  closer.addEventListener("click", () => dialog.close());
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}
