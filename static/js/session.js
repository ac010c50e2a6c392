// Staff sessions end after a quiet spell (STAFF_SESSION_IDLE_S): warn two minutes
// before, offer to stay signed in, and reload when it has ended (the server then asks
// for sign-in). A static file: the Content Security Policy allows no inline script.
(function () {
  "use strict";
  var idle = parseInt(document.body.getAttribute("data-session-idle-s") || "0", 10);
  if (!idle) { return; }
  var warnBefore = Math.min(120, Math.floor(idle / 2));
  var banner = document.getElementById("session-warning");
  var stay = document.getElementById("session-stay");
  var warnTimer, endTimer;

  function schedule() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(function () { banner.hidden = false; stay.focus(); }, (idle - warnBefore) * 1000);
    endTimer = setTimeout(function () { window.location.reload(); }, (idle + 2) * 1000);
  }

  stay.addEventListener("click", function () {
    fetch(stay.getAttribute("data-url"), { credentials: "same-origin" }).then(function (response) {
      if (response.ok) { banner.hidden = true; schedule(); } else { window.location.reload(); }
    });
  });
  schedule();
})();
