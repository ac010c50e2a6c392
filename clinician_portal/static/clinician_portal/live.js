// The portal's live updates over /ws/portal/ (clinician_portal/consumers.py).
// Queue pages: rows update in place; a new escalation is added at the top; a new
// urgent one raises a visible and audible alert, a count in the page title, and a
// message in the live region for keyboard and screen-reader users.
// A conversation page where this clinician joined the chat: patient and staff
// messages appear as they come, and the form sends staff messages over the socket.
(function () {
  "use strict";
  var root = document.querySelector("[data-portal-live]");
  if (!root || !window.WebSocket) {
    return;
  }
  var announcer = document.getElementById("portal-announcer");
  var alertBox = document.getElementById("portal-alert");
  var queue = document.querySelector("[data-queue]");
  var chat = document.querySelector("[data-takeover]");
  var baseTitle = document.title;
  var unseenUrgent = 0;
  var attempt = 0;
  var ws = null;

  function announce(text) {
    if (!announcer) { return; }
    var p = document.createElement("p");
    p.textContent = text;
    announcer.appendChild(p);
    while (announcer.childNodes.length > 5) { announcer.removeChild(announcer.firstChild); }
  }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      osc.frequency.value = 880;
      osc.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.3);
    } catch (err) { /* no audio: the visible alert and the title still show it */ }
  }

  function urgentAlert(ev) {
    unseenUrgent += 1;
    document.title = "(" + unseenUrgent + ") " + baseTitle;
    if (alertBox) {
      alertBox.hidden = false;
      alertBox.querySelector("[data-alert-text]").textContent =
        unseenUrgent + " new urgent escalation" + (unseenUrgent > 1 ? "s" : "") + ": " + ev.kind + " #" + ev.escalation_id;
    }
    beep();
  }

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function onEscalation(ev) {
    var row = document.querySelector('[data-escalation-id="' + ev.escalation_id + '"]');
    var who = ev.by ? " by " + ev.by : "";
    if (row) {
      row.setAttribute("data-version", ev.version);
      var status = row.querySelector("[data-status]");
      if (status) { status.textContent = ev.status.replace("_", " ") + who; }
      if (ev.status !== "open") {
        var buttons = row.querySelectorAll("button[data-open-only]");
        for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
      }
      if (ev.status === "resolved" && queue) { row.classList.add("resolved"); }
    } else if (ev.change === "created" && queue && queue.getAttribute("data-kinds").split(",").indexOf(ev.kind) >= 0) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-escalation-id", ev.escalation_id);
      tr.className = ev.priority === "urgent" ? "urgent new" : "new";
      tr.appendChild(cell(ev.priority));
      tr.appendChild(cell(ev.kind));
      var st = cell(ev.status);
      st.setAttribute("data-status", "");
      tr.appendChild(st);
      var link = document.createElement("a");
      link.href = queue.getAttribute("data-item-url").replace("0", String(ev.escalation_id));
      link.textContent = "Open #" + ev.escalation_id;
      var td = document.createElement("td");
      td.appendChild(link);
      tr.appendChild(td);
      var body = queue.querySelector("tbody");
      body.insertBefore(tr, body.firstChild);
      var empty = document.getElementById("queue-empty");
      if (empty) { empty.hidden = true; }
    }
    if (ev.change === "created" && ev.priority === "urgent") { urgentAlert(ev); }
    var verb = ev.change === "created" ? "New " + ev.priority + " " + ev.kind + " escalation #" + ev.escalation_id
      : "Escalation #" + ev.escalation_id + " " + ev.change + who;
    announce(verb + ".");
  }

  function chatLine(who, text, cls) {
    var list = chat.querySelector("[data-chat-log]");
    var li = document.createElement("li");
    li.className = "msg " + cls;
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = who;
    var body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    li.appendChild(meta);
    li.appendChild(body);
    list.appendChild(li);
    announce(who + ": " + text);
  }

  function onFrame(e) {
    var ev;
    try { ev = JSON.parse(e.data); } catch (err) { return; }
    if (!ev || typeof ev !== "object") { return; }
    if (ev.type === "escalation") { onEscalation(ev); }
    else if (ev.type === "patient_message" && chat) { chatLine("Patient", ev.text, "msg-patient"); }
    else if (ev.type === "staff_message" && chat) { chatLine(ev.name + ", " + ev.role.toLowerCase(), ev.text, "msg-staff"); }
    else if (ev.type === "takeover") { announce(ev.by + (ev.joined ? " joined" : " left") + " conversation #" + ev.conversation_id + "."); }
    else if (ev.type === "error") { announce(ev.detail); if (chat) { chat.querySelector("[data-chat-error]").textContent = ev.detail; } }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + window.location.host + "/ws/portal/");
    ws.addEventListener("open", function () {
      attempt = 0;
      root.setAttribute("data-live", "connected");
      if (chat) {
        ws.send(JSON.stringify({ type: "join", conversation_id: Number(chat.getAttribute("data-conversation-id")) }));
      }
    });
    ws.addEventListener("message", onFrame);
    ws.addEventListener("close", function (e) {
      root.setAttribute("data-live", "disconnected");
      if (e.code === 4401 || e.code === 4403) { return; }
      attempt += 1;
      window.setTimeout(connect, Math.min(30000, 500 * Math.pow(2, attempt)));
    });
  }

  if (alertBox) {
    alertBox.querySelector("button").addEventListener("click", function () {
      unseenUrgent = 0;
      document.title = baseTitle;
      alertBox.hidden = true;
    });
  }
  if (chat) {
    chat.querySelector("form").addEventListener("submit", function (e) {
      e.preventDefault();
      var input = chat.querySelector("textarea");
      var text = input.value.trim();
      if (!text || !ws || ws.readyState !== 1) { return; }
      ws.send(JSON.stringify({ type: "staff_message", conversation_id: Number(chat.getAttribute("data-conversation-id")), text: text }));
      input.value = "";
    });
  }
  connect();
})();
