// "Leave": ends this person's session on this tablet, so that a shared
// tablet can pass to the next person. The seat is freed on the server; the
// token, the name and this tablet's copy of the board are removed. The notes
// themselves stay on the board, for everyone.

import { PERSON_KEYS } from "./connection.js";

function allSent(provider) {
  const socket = provider.ws;
  return provider.wsconnected && provider.synced && (!socket || socket.bufferedAmount === 0);
}

/** Forget this tablet's session and copy of the board, then open the join page. */
export async function leave(session, provider, local) {
  provider.destroy();
  let freed = true;
  try {
    const response = await fetch("/api/leave", {
      method: "POST",
      headers: { Authorization: `Bearer ${session.token}` },
    });
    freed = response.ok || response.status === 401;
  } catch (err) {
    freed = false;
  }
  if (local) await local.clearData();
  for (const key of PERSON_KEYS) localStorage.removeItem(key);
  // The join page frees the seat as soon as this tablet is online again.
  if (!freed) localStorage.setItem("board.leaving", session.token);
  const code = session.code ? `/${encodeURIComponent(session.code)}` : "";
  location.replace(`/join${code}${freed ? "#left" : "#left-offline"}`);
}

/**
 * The Leave button and its "are you sure" dialog, for the session and board
 * `connection` holds when it is pressed (connection.js). Read-only pages
 * have no seat to leave.
 */
export function leaveButton(connection) {
  const button = document.getElementById("leave");
  const dialog = document.getElementById("leave-dialog");
  if (!button || !dialog) return;
  if (connection.readOnly) {
    button.remove();
    return;
  }
  const warning = dialog.querySelector(".leave-unsent");
  button.addEventListener("click", () => {
    warning.hidden = !connection.provider || allSent(connection.provider);
    dialog.showModal();
    dialog.querySelector(".stay").focus();
  });
  dialog.querySelector(".stay").addEventListener("click", () => dialog.close());
  dialog.querySelector(".confirm").addEventListener("click", async (event) => {
    event.currentTarget.disabled = true;
    dialog.querySelector(".leave-progress").textContent = "Leaving…";
    await leave(connection.session, connection.provider, connection.local);
  });
}
