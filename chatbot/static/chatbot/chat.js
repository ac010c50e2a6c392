/*
 * Patient chat: the websocket client for chatbot/chat.html.
 *
 * Plain JavaScript, no dependencies, nothing loaded from elsewhere. Message text is
 * only ever written with textContent or text nodes, never as HTML.
 *
 * The protocol (see chatbot/protocol.py): the client sends
 *   {"type": "message", "text": "...", "client_id": "<uuid>"}
 * and the server answers with ready, accepted, delta, reply, withdraw, crisis and
 * error events. The server de-duplicates by client_id, so a message whose
 * `accepted` never arrived is simply sent again after a reconnect.
 */
(function () {
  "use strict";

  var configEl = document.getElementById("chat-config");
  var transcript = document.getElementById("transcript");
  if (!configEl || !transcript || !("WebSocket" in window)) {
    return;
  }
  var config;
  try {
    config = JSON.parse(configEl.textContent);
  } catch (err) {
    return;
  }

  var conversationId = String(parseInt(config.conversation_id, 10));
  var maxChars = parseInt(config.max_chars, 10) || 2000;

  var els = {
    form: document.getElementById("composer"),
    input: document.getElementById("message-input"),
    send: document.getElementById("send-button"),
    count: document.getElementById("char-count"),
    wait: document.getElementById("composer-wait"),
    error: document.getElementById("composer-error"),
    status: document.getElementById("connection-status"),
    statusText: document.getElementById("connection-text"),
    reconnect: document.getElementById("reconnect-now"),
    signin: document.getElementById("signin-again"),
    empty: document.getElementById("transcript-empty"),
    announcer: document.getElementById("sr-announcer"),
    safety: document.getElementById("safety-line"),
    crisis: document.getElementById("crisis-banner"),
    crisisHeading: document.getElementById("crisis-heading"),
    crisisToggle: document.getElementById("crisis-toggle"),
    crisisBody: document.getElementById("crisis-body"),
    crisisEmergency: document.getElementById("crisis-emergency"),
    crisisText: document.getElementById("crisis-text"),
    crisisResources: document.getElementById("crisis-resources"),
    crisisSummary: document.getElementById("crisis-summary")
  };

  // Shown when the server says risk is open but sent no list of its own.
  var DEFAULT_RESOURCES = [
    { name: "988 Suicide & Crisis Lifeline", contact: "988", how: "Call or text, any time" },
    { name: "Emergency services", contact: "911", how: "Call if you are in danger right now" }
  ];

  // Close codes after which reconnecting cannot help (chatbot/protocol.py).
  var CLOSE_UNAUTHENTICATED = 4401;
  var FATAL_CLOSE_CODES = [4401, 4403, 4404];
  // Errors about the connection itself, not about a frame we sent.
  var CONNECTION_ERRORS = ["unauthenticated", "forbidden", "not_found"];

  // ---------------------------------------------------------------- small helpers

  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
  }

  function toId(value) {
    var n = parseInt(value, 10);
    return isFinite(n) ? String(n) : null;
  }

  function uuid() {
    var c = window.crypto;
    // randomUUID needs a secure context; a self-hosted install on plain http has none.
    if (c && typeof c.randomUUID === "function") {
      try {
        return c.randomUUID();
      } catch (err) {
        /* fall through */
      }
    }
    var bytes = new Uint8Array(16);
    if (c && typeof c.getRandomValues === "function") {
      c.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return (b + 0x100).toString(16).slice(1);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function safeHttpUrl(url) {
    var text = String(url || "").trim();
    if (/^https?:\/\//i.test(text) || (text.charAt(0) === "/" && text.charAt(1) !== "/")) {
      return text;
    }
    return null;
  }

  // ---------------------------------------------------------------- screen readers

  // Each announcement is a new node in a polite live region, so two in a row are
  // both read. Old nodes are removed later; removals are not announced.
  function announce(text) {
    if (!els.announcer || !text) {
      return;
    }
    var node = make("p", null, text);
    els.announcer.appendChild(node);
    while (els.announcer.childNodes.length > 5) {
      els.announcer.removeChild(els.announcer.firstChild);
    }
    window.setTimeout(function () {
      if (node.parentNode) {
        node.parentNode.removeChild(node);
      }
    }, 60000);
  }

  // ---------------------------------------------------------------- times

  var timeFormat = null;
  var dayTimeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
    dayTimeFormat = new Intl.DateTimeFormat(undefined, {
      month: "short", day: "numeric", hour: "numeric", minute: "2-digit"
    });
  } catch (err) {
    /* keep the server's fallback text */
  }

  function formatTime(date) {
    if (!timeFormat) {
      return date.toISOString().slice(0, 16).replace("T", " ");
    }
    var today = new Date();
    var sameDay = date.toDateString() === today.toDateString();
    return (sameDay ? timeFormat : dayTimeFormat).format(date);
  }

  function localiseTimes(root) {
    var nodes = root.querySelectorAll("time.msg__time[datetime]");
    for (var i = 0; i < nodes.length; i++) {
      var date = new Date(nodes[i].getAttribute("datetime"));
      if (!isNaN(date.getTime())) {
        nodes[i].textContent = formatTime(date);
      }
    }
  }

  // ---------------------------------------------------------------- scrolling

  // Follow new text only while the reader is at the end of the chat; someone who
  // has scrolled up to re-read is left where they are.
  var followNewest = true;

  function atEnd() {
    if (!els.safety) {
      return true;
    }
    return els.safety.getBoundingClientRect().bottom <= window.innerHeight + 160;
  }

  window.addEventListener("scroll", function () {
    followNewest = atEnd();
  }, { passive: true });

  function scrollToNewest(force) {
    if (!els.safety || (!force && !followNewest)) {
      return;
    }
    els.safety.scrollIntoView({ block: "end" });
    followNewest = true;
  }

  // ---------------------------------------------------------------- message bubbles

  function buildMessage(role, text, isoTime) {
    var li = make("li", "msg msg--" + role);
    var meta = make("p", "msg__meta");
    meta.appendChild(make("span", "msg__who", role === "patient" ? "You" : "Assistant"));
    meta.appendChild(document.createTextNode(" "));
    var time = make("time", "msg__time");
    var date = isoTime ? new Date(isoTime) : new Date();
    time.setAttribute("datetime", date.toISOString());
    time.textContent = formatTime(date);
    meta.appendChild(time);
    li.appendChild(meta);
    li.appendChild(make("div", "msg__text", text || ""));
    return li;
  }

  function appendMessage(li) {
    transcript.appendChild(li);
    if (els.empty) {
      els.empty.hidden = true;
    }
  }

  function setPatientStatus(li, text, state) {
    if (!li) {
      return;
    }
    var status = li.querySelector(".msg__status");
    if (!status) {
      status = make("p", "msg__status");
      li.appendChild(status);
    }
    status.textContent = text;
    li.setAttribute("data-state", state);
  }

  function patientBubble(messageId) {
    var id = toId(messageId);
    return id ? transcript.querySelector('.msg--patient[data-message-id="' + id + '"]') : null;
  }

  // The assistant bubble still being written for a patient message, if any.
  function openAssistant(messageId) {
    var id = toId(messageId);
    if (!id) {
      return null;
    }
    var found = transcript.querySelectorAll('.msg--assistant[data-reply-to="' + id + '"]');
    for (var i = found.length - 1; i >= 0; i--) {
      if (found[i].getAttribute("data-final") !== "true") {
        return found[i];
      }
    }
    return null;
  }

  function createAssistant(messageId) {
    var li = buildMessage("assistant", "");
    var id = toId(messageId);
    if (id) {
      li.setAttribute("data-reply-to", id);
    }
    li.setAttribute("aria-busy", "true");
    appendMessage(li);
    return li;
  }

  function assistantFor(messageId) {
    return openAssistant(messageId) || createAssistant(messageId);
  }

  function bodyOf(li) {
    return li.querySelector(".msg__text");
  }

  function setPlaceholder(li, text) {
    var body = bodyOf(li);
    clear(body);
    var placeholder = make("span", "msg__typing", text || "Preparing an answer");
    placeholder.appendChild(make("span", "msg__dots"));
    body.appendChild(placeholder);
    li.setAttribute("data-placeholder", "true");
    li.setAttribute("aria-busy", "true");
  }

  function setNotice(li, text, kind) {
    var selector = ".msg__notice--" + kind;
    var notice = li.querySelector(selector);
    if (!notice) {
      notice = make("p", "msg__notice msg__notice--" + kind);
      li.insertBefore(notice, bodyOf(li));
    }
    notice.textContent = text;
  }

  function removeNotice(li, kind) {
    var notice = li.querySelector(".msg__notice--" + kind);
    if (notice) {
      notice.parentNode.removeChild(notice);
    }
  }

  function removeExtras(li) {
    var extras = li.querySelectorAll(".msg__note, .sources");
    for (var i = 0; i < extras.length; i++) {
      extras[i].parentNode.removeChild(extras[i]);
    }
  }

  function renderSources(li, citations, replyId) {
    if (!citations || !citations.length) {
      return;
    }
    var box = make("div", "sources");
    var titleId = "sources-" + (toId(replyId) || uuid());
    var title = make("p", "sources__title", "Sources");
    title.id = titleId;
    var list = make("ol", "sources__list");
    list.setAttribute("aria-labelledby", titleId);
    citations.forEach(function (c) {
      if (!c) {
        return;
      }
      var item = make("li");
      var number = parseInt(c.number, 10);
      if (isFinite(number)) {
        item.value = number;
      }
      var label = String(c.title || c.url || "Source");
      var href = safeHttpUrl(c.url);
      if (href) {
        var link = make("a", null, label);
        link.href = href;
        link.rel = "noopener";
        link.target = "_blank";
        link.appendChild(make("span", "visually-hidden", " (opens in a new tab)"));
        item.appendChild(link);
      } else {
        item.textContent = label;
      }
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
    li.appendChild(box);
  }

  // One-click follow-ups under a reply (the reply event's "actions"). The client hook:
  // every click dispatches a "chat:send-to-care-team" event on the transcript with
  // {message_id}; when the page's chat-config names "send_to_care_team_url" (the care
  // team inbox), the click also POSTs {message_id} there as JSON.
  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function sendToCareTeam(button, status, messageId) {
    button.disabled = true;
    transcript.dispatchEvent(
      new CustomEvent("chat:send-to-care-team", { bubbles: true, detail: { message_id: messageId } })
    );
    var url = config.send_to_care_team_url;
    if (!url) {
      status.textContent = "Your care team can also be reached by phone or through the patient portal.";
      return;
    }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ message_id: messageId })
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      status.textContent = "Sent. Your care team will reply in the portal.";
      announce("Your question was sent to your care team.");
    }).catch(function () {
      button.disabled = false;
      status.textContent = "That did not go through. Please try again, or call the clinic.";
    });
  }

  // The same buttons rendered by the server with a stored reply (a reloaded page).
  function wireActions(root) {
    var buttons = root.querySelectorAll("button[data-send-to-care-team]");
    Array.prototype.forEach.call(buttons, function (button) {
      var messageId = parseInt(button.getAttribute("data-send-to-care-team"), 10);
      var status = button.parentNode.querySelector(".msg__action-status");
      if (!isFinite(messageId) || !status) {
        return;
      }
      button.addEventListener("click", function () {
        sendToCareTeam(button, status, messageId);
      });
    });
  }

  function renderActions(li, actions) {
    if (!Array.isArray(actions)) {
      return;
    }
    actions.forEach(function (action) {
      if (!action || action.type !== "send_to_care_team") {
        return;
      }
      var messageId = parseInt(action.message_id, 10);
      if (!isFinite(messageId)) {
        return;
      }
      var box = make("div", "msg__note msg__actions");
      var button = make("button", "button button--secondary", String(action.label || "Send my question to my care team"));
      button.type = "button";
      var status = make("p", "msg__action-status");
      status.setAttribute("role", "status");
      button.addEventListener("click", function () {
        sendToCareTeam(button, status, messageId);
      });
      box.appendChild(button);
      box.appendChild(status);
      li.appendChild(box);
    });
  }

  // ---------------------------------------------------------------- server events

  function onDelta(ev) {
    var li = assistantFor(ev.message_id);
    if (li.getAttribute("data-streaming") !== "true") {
      clear(bodyOf(li));
      li.removeAttribute("data-placeholder");
      li.setAttribute("data-streaming", "true");
      li.setAttribute("aria-busy", "true");
    }
    bodyOf(li).appendChild(document.createTextNode(String(ev.text || "")));
    scrollToNewest(false);
  }

  function onReply(ev) {
    var li = openAssistant(ev.message_id);
    var replyId = toId(ev.reply_id);
    if (!li && replyId) {
      // Already shown (for example rendered by the server before we connected).
      li = transcript.querySelector('.msg--assistant[data-message-id="' + replyId + '"]');
    }
    if (!li) {
      li = createAssistant(ev.message_id);
    }
    var text = String(ev.text || "");
    bodyOf(li).textContent = text;
    if (replyId) {
      li.setAttribute("data-message-id", replyId);
    }
    li.setAttribute("data-final", "true");
    li.removeAttribute("data-streaming");
    li.removeAttribute("data-placeholder");
    li.removeAttribute("aria-busy");
    removeNotice(li, "stale");
    removeExtras(li);
    if (ev.mode === "extractive") {
      li.appendChild(make("p", "msg__note", "Answer drawn directly from our vetted articles"));
    }
    var citations = Array.isArray(ev.citations) ? ev.citations : [];
    renderSources(li, citations, replyId);
    renderActions(li, ev.actions);

    // The whole answer is read once, when it is final: a streamed answer may still
    // be withdrawn by a safety check, and that text should never be spoken.
    announce("Assistant: " + text + (citations.length ? " Sources are listed below the answer." : ""));
    scrollToNewest(false);
  }

  function onWithdraw(ev) {
    var li = assistantFor(ev.message_id);
    var detail = String(ev.detail || "That answer was withdrawn. A safer answer is on its way.");
    removeExtras(li);
    li.removeAttribute("data-streaming");
    li.classList.add("msg--withdrawn");
    setNotice(li, detail, "withdrawn");
    setPlaceholder(li, "Preparing another answer");
    announce(detail);
    scrollToNewest(false);
  }

  function onAccepted(ev) {
    var clientId = ev.client_id;
    var item = null;
    for (var i = 0; i < outbox.length; i++) {
      if (outbox[i].clientId === clientId) {
        item = outbox[i];
        outbox.splice(i, 1);
        break;
      }
    }
    inflight = inflight.filter(function (x) {
      return x.clientId !== clientId;
    });
    if (!item) {
      return;
    }
    var id = toId(ev.message_id);
    if (id) {
      item.li.setAttribute("data-message-id", id);
    }
    if (ev.duplicate) {
      // Sent before the connection dropped; its answer may have gone by meanwhile.
      setPatientStatus(item.li, "Sent. If no answer appears soon, reload the page to see it.", "sent");
    } else {
      setPatientStatus(item.li, "Sent", "sent");
      announce("Message sent.");
      if (!staffPresent && !openAssistant(ev.message_id)) {
        setPlaceholder(createAssistant(ev.message_id));
      }
    }
    scrollToNewest(false);
  }

  function onError(ev) {
    var code = String(ev.code || "");
    var detail = String(ev.detail || "Something went wrong. Please try again.");

    if (ev.message_id !== undefined && ev.message_id !== null) {
      // About a stored message (e.g. processing_failed): say so where the answer would be.
      var li = assistantFor(ev.message_id);
      li.removeAttribute("data-streaming");
      li.removeAttribute("data-placeholder");
      li.removeAttribute("aria-busy");
      li.setAttribute("data-final", "true");
      li.classList.add("msg--error");
      bodyOf(li).textContent = detail;
      announce(detail);
      scrollToNewest(false);
      return;
    }

    if (CONNECTION_ERRORS.indexOf(code) !== -1) {
      showError(detail);
      return;
    }

    // A frame-level error answers the oldest frame still waiting on this socket.
    var item = inflight.shift();
    if (code === "rate_limited") {
      if (item) {
        item.sent = false;
        setPatientStatus(item.li, "Waiting to send", "queued");
      }
      showError(detail);
      holdSending(parseInt(ev.retry_after_s, 10) || 5);
      return;
    }
    if (item) {
      var index = outbox.indexOf(item);
      if (index !== -1) {
        outbox.splice(index, 1);
      }
      setPatientStatus(item.li, "Not sent", "failed");
      if (!els.input.value) {
        // Give the text back so it can be shortened or fixed and sent again.
        els.input.value = item.text;
        updateComposer();
      }
    }
    showError(detail);
  }

  function onReady(ev) {
    ready = true;
    attempt = 0;
    setConnection("connected");
    if (ev.risk_open) {
      showCrisis(null);
    }
    if (connectedBefore) {
      markStaleAnswers();
    }
    connectedBefore = true;
    flush();
  }

  // ---------------------------------------------------------------- a person in the chat

  // While a member of the care team is in the chat, the assistant does not answer:
  // no "preparing an answer" placeholder is shown.
  var staffPresent = false;

  function notice(text) {
    var li = make("li", "msg msg--notice", text);
    li.setAttribute("role", "status");
    appendMessage(li);
    announce(text);
    scrollToNewest(true);
  }

  function onStaffJoined(ev) {
    staffPresent = true;
    var pending = transcript.querySelectorAll('.msg--assistant[aria-busy="true"]');
    for (var i = 0; i < pending.length; i++) {
      pending[i].parentNode.removeChild(pending[i]);
    }
    notice(String(ev.text || "A member of the care team has joined the chat."));
  }

  function onStaffMessage(ev) {
    var id = toId(ev.message_id);
    if (id && transcript.querySelector('.msg--staff[data-message-id="' + id + '"]')) {
      return;
    }
    var who = String(ev.name || "Care team") + (ev.role ? ", " + String(ev.role).toLowerCase() : "");
    var li = buildMessage("staff", String(ev.text || ""), ev.created_at);
    li.querySelector(".msg__who").textContent = who;
    if (id) {
      li.setAttribute("data-message-id", id);
    }
    appendMessage(li);
    announce(who + " says: " + String(ev.text || ""));
    scrollToNewest(true);
  }

  function onStaffLeft(ev) {
    staffPresent = false;
    notice(String(ev.text || "The care team member has left the chat."));
  }

  function markStaleAnswers() {
    var busy = transcript.querySelectorAll('.msg--assistant[aria-busy="true"]');
    for (var i = 0; i < busy.length; i++) {
      setNotice(busy[i], "The connection dropped while this answer was on its way. " +
        "It may still appear here; if it doesn't, reload the page.", "stale");
    }
  }

  function handleFrame(data) {
    var ev;
    try {
      ev = JSON.parse(data);
    } catch (err) {
      return;
    }
    if (!ev || typeof ev !== "object") {
      return;
    }
    switch (ev.type) {
      case "ready": onReady(ev); break;
      case "accepted": onAccepted(ev); break;
      case "delta": onDelta(ev); break;
      case "reply": onReply(ev); break;
      case "withdraw": onWithdraw(ev); break;
      case "crisis": showCrisis(ev); break;
      case "error": onError(ev); break;
      case "staff_joined": onStaffJoined(ev); break;
      case "staff_message": onStaffMessage(ev); break;
      case "staff_left": onStaffLeft(ev); break;
      default: break;
    }
  }

  // ---------------------------------------------------------------- crisis banner

  var collapsedKey = "chat-crisis-collapsed:" + conversationId;
  var isEmergency = false;

  function resourceItem(resource) {
    var li = make("li", "resource");
    var name = String(resource.name || "");
    var how = String(resource.how || "");
    var contact = String(resource.contact || "").trim();
    li.appendChild(make("span", "resource__name", name));
    if (how) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(make("span", "resource__how", how));
    }
    var actions = make("span", "resource__actions");
    var lowerHow = how.toLowerCase();
    var dial = contact.replace(/[\s().-]/g, "");
    var web = /^https?:\/\//i.test(contact) ? contact : null;

    function addLink(href, label, newTab) {
      var a = make("a", "button button--secondary", label);
      a.href = href;
      if (newTab) {
        a.rel = "noopener";
        a.target = "_blank";
        a.appendChild(make("span", "visually-hidden", " (opens in a new tab)"));
      }
      if (actions.childNodes.length) {
        actions.appendChild(document.createTextNode(" "));
      }
      actions.appendChild(a);
    }

    if (web) {
      addLink(web, contact, true);
    } else if (/^\+?\d{2,15}$/.test(dial)) {
      if (lowerHow.indexOf("call") !== -1 || lowerHow.indexOf("text") === -1) {
        addLink("tel:" + dial, "Call " + contact);
      }
      if (lowerHow.indexOf("text") !== -1) {
        addLink("sms:" + dial, "Text " + contact);
      }
    } else if (contact) {
      actions.appendChild(make("span", "resource__contact", contact));
    }
    li.appendChild(document.createTextNode(" "));
    li.appendChild(actions);
    return li;
  }

  function setCrisisCollapsed(collapsed, remember) {
    if (!els.crisis) {
      return;
    }
    els.crisisBody.hidden = collapsed;
    els.crisisSummary.hidden = !collapsed;
    els.crisis.classList.toggle("crisis--collapsed", collapsed);
    els.crisisToggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    els.crisisToggle.textContent = collapsed ? "Show support details" : "Hide details";
    if (remember) {
      try {
        window.sessionStorage.setItem(collapsedKey, collapsed ? "1" : "0");
      } catch (err) {
        /* storage may be disabled; the banner still works */
      }
    }
  }

  // ev is a `crisis` event, or null when the server only said risk is open.
  function showCrisis(ev) {
    if (!els.crisis) {
      return;
    }
    if (ev) {
      if (ev.kind === "emergency") {
        isEmergency = true;
      }
      var lang = String(ev.language || "");
      var langOk = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(lang);
      if (ev.text) {
        els.crisisText.textContent = String(ev.text);
      }
      var resources = Array.isArray(ev.resources) && ev.resources.length ? ev.resources : null;
      if (resources) {
        clear(els.crisisResources);
        resources.forEach(function (r) {
          if (r && typeof r === "object") {
            els.crisisResources.appendChild(resourceItem(r));
          }
        });
      }
      if (langOk) {
        els.crisisText.setAttribute("lang", lang);
        els.crisisResources.setAttribute("lang", lang);
      }
    }
    if (!els.crisisResources.children.length) {
      DEFAULT_RESOURCES.forEach(function (r) {
        els.crisisResources.appendChild(resourceItem(r));
      });
    }
    els.crisis.classList.toggle("crisis--emergency", isEmergency);
    els.crisisEmergency.hidden = !isEmergency;
    els.crisisHeading.textContent = isEmergency ? "Please get emergency help now" : "Support is available right now";
    // A new crisis event always opens the details again.
    if (ev) {
      setCrisisCollapsed(false, true);
    }
    els.crisis.hidden = false;
    updateCrisisOffset();
  }

  function updateCrisisOffset() {
    var height = els.crisis && !els.crisis.hidden ? els.crisis.offsetHeight : 0;
    document.documentElement.style.setProperty("--crisis-offset", height + "px");
  }

  function initCrisis() {
    if (!els.crisis) {
      return;
    }
    els.crisisToggle.hidden = false;
    els.crisisToggle.addEventListener("click", function () {
      var expanded = els.crisisToggle.getAttribute("aria-expanded") === "true";
      setCrisisCollapsed(expanded, true);
      updateCrisisOffset();
    });
    var stored = null;
    try {
      stored = window.sessionStorage.getItem(collapsedKey);
    } catch (err) {
      stored = null;
    }
    setCrisisCollapsed(stored === "1", false);
    if ("ResizeObserver" in window) {
      new window.ResizeObserver(updateCrisisOffset).observe(els.crisis);
    }
    updateCrisisOffset();
  }

  // ---------------------------------------------------------------- connection

  var socket = null;
  var ready = false;
  var attempt = 0;
  var reconnectTimer = null;
  var connectedBefore = false;
  var stopped = false;
  var outbox = []; // {clientId, text, li, sent}: typed, not yet accepted
  var inflight = []; // outbox items sent on the current socket, oldest first

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws/chat/?conversation=" + encodeURIComponent(conversationId);
  }

  var STATES = {
    connecting: "Connecting…",
    connected: "Connected",
    reconnecting: "Reconnecting…",
    offline: "Reconnecting… You seem to be offline. Messages you send will wait until you're back.",
    closed: "Disconnected"
  };

  function setConnection(state) {
    if (state === "reconnecting" && navigator.onLine === false) {
      state = "offline";
    }
    var text = STATES[state] || state;
    if (els.statusText.textContent !== text) {
      els.statusText.textContent = text;
    }
    els.status.setAttribute("data-state", state);
    els.reconnect.hidden = !(state === "reconnecting" || state === "offline");
    updateSendState();
  }

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (stopped) {
      return;
    }
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) {
      return;
    }
    setConnection(connectedBefore ? "reconnecting" : "connecting");
    var ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (err) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ready = false;
    inflight = [];
    ws.addEventListener("message", function (e) {
      if (ws === socket) {
        handleFrame(e.data);
      }
    });
    ws.addEventListener("close", function (e) {
      if (ws === socket) {
        socket = null;
        onClosed(e.code);
      }
    });
  }

  function onClosed(code) {
    ready = false;
    inflight = [];
    outbox.forEach(function (item) {
      item.sent = false;
      setPatientStatus(item.li, "Waiting for the connection", "queued");
    });
    if (FATAL_CLOSE_CODES.indexOf(code) !== -1) {
      stopped = true;
      setConnection("closed");
      if (code === CLOSE_UNAUTHENTICATED && els.signin) {
        els.signin.hidden = false;
      }
      return;
    }
    scheduleReconnect();
  }

  function scheduleReconnect() {
    setConnection("reconnecting");
    var ceiling = Math.min(30000, 1000 * Math.pow(2, attempt));
    attempt += 1;
    // Jitter spreads reconnects out when the server comes back after an outage.
    var delay = ceiling / 2 + Math.random() * (ceiling / 2);
    window.clearTimeout(reconnectTimer);
    reconnectTimer = window.setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (stopped || socket) {
      return;
    }
    attempt = 0;
    connect();
  }

  function flush() {
    if (!socket || !ready || socket.readyState !== WebSocket.OPEN || holdUntil > Date.now()) {
      return;
    }
    for (var i = 0; i < outbox.length; i++) {
      var item = outbox[i];
      if (item.sent) {
        continue;
      }
      try {
        socket.send(JSON.stringify({ type: "message", text: item.text, client_id: item.clientId }));
      } catch (err) {
        return;
      }
      item.sent = true;
      inflight.push(item);
      setPatientStatus(item.li, "Sending…", "sending");
    }
  }

  // ---------------------------------------------------------------- composer

  var holdUntil = 0;
  var holdTimer = null;
  var nearLimitAnnounced = false;

  function showError(text) {
    if (els.error.textContent !== text) {
      els.error.textContent = text;
    }
  }

  function clearError() {
    if (els.error.textContent) {
      els.error.textContent = "";
    }
  }

  function updateSendState() {
    var text = els.input.value;
    var blocked = stopped || holdUntil > Date.now();
    els.send.disabled = blocked || !text.trim() || text.length > maxChars;
  }

  function updateComposer() {
    var length = els.input.value.length;
    var left = maxChars - length;
    els.count.textContent = length + " / " + maxChars + " characters";
    var near = left <= Math.max(20, Math.floor(maxChars * 0.1));
    els.count.classList.toggle("composer__count--near", near);
    if (near && !nearLimitAnnounced) {
      announce(left + " characters left.");
      nearLimitAnnounced = true;
    } else if (!near) {
      nearLimitAnnounced = false;
    }
    updateSendState();
    autoGrow();
  }

  function autoGrow() {
    var input = els.input;
    input.style.height = "auto";
    var limit = Math.max(160, Math.floor(window.innerHeight * 0.4));
    input.style.height = Math.min(input.scrollHeight + 2, limit) + "px";
  }

  function holdSending(seconds) {
    holdUntil = Date.now() + seconds * 1000;
    window.clearInterval(holdTimer);
    function tick() {
      var left = Math.ceil((holdUntil - Date.now()) / 1000);
      if (left <= 0) {
        window.clearInterval(holdTimer);
        holdTimer = null;
        holdUntil = 0;
        els.wait.hidden = true;
        els.wait.textContent = "";
        clearError();
        updateSendState();
        flush();
        return;
      }
      // Not a live region: the alert above says why once; this only counts down.
      els.wait.textContent = "You can send again in " + left + (left === 1 ? " second." : " seconds.");
      els.wait.hidden = false;
      updateSendState();
    }
    tick();
    holdTimer = window.setInterval(tick, 1000);
  }

  function sendCurrent() {
    var text = els.input.value;
    if (!text.trim() || text.length > maxChars || holdUntil > Date.now() || stopped) {
      return;
    }
    var clientId = uuid();
    var li = buildMessage("patient", text);
    li.setAttribute("data-client-id", clientId);
    appendMessage(li);
    var item = { clientId: clientId, text: text, li: li, sent: false };
    outbox.push(item);
    setPatientStatus(li, ready ? "Sending…" : "Waiting for the connection", ready ? "sending" : "queued");

    els.input.value = "";
    clearError();
    updateComposer();
    scrollToNewest(true);
    flush();
    if (!socket) {
      reconnectNow();
    }
  }

  function initComposer() {
    els.form.addEventListener("submit", function (e) {
      e.preventDefault();
      sendCurrent();
    });
    els.input.addEventListener("keydown", function (e) {
      // isComposing / 229: Enter that confirms an input-method (e.g. CJK) composition.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        sendCurrent();
      }
    });
    els.input.addEventListener("input", updateComposer);
    els.input.setAttribute("maxlength", String(maxChars));
    updateComposer();
  }

  // ---------------------------------------------------------------- start

  localiseTimes(transcript);
  wireActions(transcript);
  initCrisis();
  initComposer();
  els.reconnect.addEventListener("click", reconnectNow);
  window.addEventListener("online", reconnectNow);
  window.addEventListener("offline", function () {
    if (!ready) {
      setConnection("reconnecting");
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      reconnectNow();
    }
  });
  connect();
  scrollToNewest(true);
})();
