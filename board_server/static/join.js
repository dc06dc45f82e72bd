// Join page: POST /api/join, then keep the token on this device so that a
// reload rejoins the same room without asking again.
(function () {
  "use strict";
  const form = document.getElementById("join-form");
  const status = document.getElementById("status");
  const code = document.getElementById("code");
  const name = document.getElementById("name");
  const fromPath = location.pathname.match(/^\/join\/([^/]+)$/);
  const params = new URLSearchParams(location.search);
  if (fromPath) code.value = decodeURIComponent(fromPath[1]);
  name.value = localStorage.getItem("board.name") || "";
  (fromPath ? name : code).focus();
  // After "Leave" on the board: say so, for the person leaving and the next one.
  const left = {
    "#left": "You have left the workshop. The next person can join here.",
    "#left-offline": "You have left the workshop. This tablet is offline: your seat is " +
      "given back as soon as it is online again.",
  }[location.hash];
  if (left) {
    status.textContent = left;
    history.replaceState(null, "", location.pathname + location.search);
  }

  // A "Leave" made offline: free that seat now, or at the next chance.
  async function finishLeaving() {
    const token = localStorage.getItem("board.leaving");
    if (!token) return;
    try {
      const response = await fetch("/api/leave", {
        method: "POST",
        headers: { Authorization: "Bearer " + token },
      });
      if (response.ok || response.status === 401) localStorage.removeItem("board.leaving");
    } catch (err) {
      window.addEventListener("online", finishLeaving, { once: true });
    }
  }
  finishLeaving();

  function show(message) { status.textContent = message; }

  function openBoard(joined) {
    show("You are in " + joined.room.name + " of \u201c" + joined.workshop.title + "\u201d.");
    location.assign("/board");
  }

  // The token stays on this device: coming back to the same code (a reload,
  // the QR code again) goes straight back to the same room.
  const saved = localStorage.getItem("board.session");
  if (saved) {
    try {
      const joined = JSON.parse(saved);
      if (fromPath && joined.code === code.value.toUpperCase()) {
        openBoard(joined);
      } else if (!fromPath) {
        const back = document.createElement("a");
        back.href = "/board";
        back.className = "big-link";
        back.textContent = "Back to " + joined.room.name;
        status.replaceChildren(back);
      }
    } catch (err) {
      localStorage.removeItem("board.session");
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    show("Joining\u2026");
    const body = { code: code.value.trim(), name: name.value.trim() };
    if (params.get("room")) body.room = params.get("room");
    // The token this device had: the server gives the same seat back
    // instead of taking a new one.
    const rejoin = localStorage.getItem("board.rejoin");
    if (rejoin) body.rejoin = rejoin;
    try {
      const response = await fetch("/api/join", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (!response.ok) { show(answer.detail || "Could not join."); return; }
      answer.code = body.code.toUpperCase();
      localStorage.setItem("board.name", body.name);
      localStorage.setItem("board.session", JSON.stringify(answer));
      localStorage.setItem("board.rejoin", answer.token);
      openBoard(answer);
    } catch (err) {
      show("No connection to the server. Check the Wi-Fi and try again.");
    }
  });
})();
