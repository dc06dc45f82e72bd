// Admin page: the admin token arrives in the URL, as the server printed it.
(function () {
  "use strict";
  const token = new URLSearchParams(location.search).get("token") || "";
  const result = document.getElementById("result");
  // Keep the token out of the address bar once it has been read.
  history.replaceState(null, "", location.pathname);

  function line(label, value) {
    const p = document.createElement("p");
    const b = document.createElement("b");
    b.textContent = label + ": ";
    p.append(b, value);
    return p;
  }

  document.getElementById("create-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const rooms = document.getElementById("rooms").value.split("\n").map(function (s) {
      return s.trim();
    }).filter(Boolean);
    const body = { title: document.getElementById("title").value.trim(), rooms: rooms };
    result.textContent = "Creating\u2026";
    const response = await fetch("/api/workshops", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    result.textContent = "";
    if (!response.ok) { result.append(line("Error", answer.detail)); return; }
    const join = location.origin + "/join/" + answer.join_code;
    result.append(line("Join code", answer.join_code), line("Join link", join));
    const pre = document.createElement("pre");
    pre.textContent = answer.facilitator_token;
    result.append(line("Facilitator token (keep private)", ""), pre);
  });
})();
