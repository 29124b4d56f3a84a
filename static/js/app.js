/* CunBo Academy: enhancements only. Every page works without this file; with it, pages keep
   working without signal, quiz answers survive a reload, work done offline is sent later,
   lessons and questions can be read aloud, glossary terms explain themselves and checklists
   are remembered. One file for the three parts below: on a slow village connection each extra
   request costs more than its bytes. */
(function () {
  "use strict";
  var body = document.body;
  var T = {};
  try { T = JSON.parse(body.getAttribute("data-t") || "{}"); } catch (e) { T = {}; }
  var USER = body.getAttribute("data-user") || "";
  var QUEUE = "cunbo:queue";
  var DOWNLOAD = '<svg class="icon" aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M12 3v12M7 10l5 5 5-5M5 20h14"/></svg>';

  function t(key, values) {
    var text = T[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  function load(key, fallback) {
    try { var raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; } catch (e) { return fallback; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full or disabled: nothing to keep */ }
  }
  function keys(prefix) {
    var found = [];
    for (var i = 0; i < localStorage.length; i++) {
      var key = localStorage.key(i);
      if (key && key.indexOf(prefix) === 0) found.push(key);
    }
    return found;
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /* Banner: no signal, or work sent. */
  var banner = null;
  function showBanner(text, ok, link, linkText) {
    if (!banner) {
      banner = el("p", "banner");
      banner.setAttribute("role", "status");
      body.insertBefore(banner, document.getElementById("main"));
    }
    banner.className = "banner" + (ok ? " banner-ok" : "");
    banner.textContent = text + " ";
    if (link) {
      var a = el("a", "", linkText || t("see"));
      a.href = link;
      banner.appendChild(a);
    }
    banner.setAttribute("data-kind", ok ? "ok" : "offline");
  }
  function connectionChanged() {
    if (!navigator.onLine) {
      showBanner(t("offline"));
    } else {
      if (banner && banner.getAttribute("data-kind") === "offline") { banner.remove(); banner = null; }
      flush();
    }
  }
  window.addEventListener("online", connectionChanged);
  window.addEventListener("offline", connectionChanged);

  if ("serviceWorker" in navigator && body.getAttribute("data-sw")) {
    // After the page has loaded, so the worker finds the shell files already in the HTTP cache.
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(body.getAttribute("data-sw")).catch(function () { /* pages still work */ });
    });
  }

  /* Work done without signal, or on a connection that does not answer, waits in the queue; each
     item carries its form's CSRF token, and quiz items their attempt token, so the server records
     each exactly once (attempt token, idempotent completion, one check-in and one classroom answer
     per person: the database's unique constraints), however often it arrives. */
  function queueKey(item) {
    var fields = new URLSearchParams(item.body);
    return item.url + "#" + (fields.get("attempt_token") || "") + "#" + (fields.get("position") || "");
  }
  function formBody(form, submitter) {
    var data = new FormData(form);
    // The tapped button's own value (a classroom answer's choice) is part of what it sends.
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    return new URLSearchParams(data).toString();
  }
  function enqueue(form, fields) {
    var item = { url: form.action, body: fields, label: form.getAttribute("data-label") || "",
                 open: form.getAttribute("data-queue") === "open",
                 page: location.pathname, user: USER, at: Date.now() };
    var queue = load(QUEUE, []).filter(function (other) { return queueKey(other) !== queueKey(item); });
    queue.push(item);
    store(QUEUE, queue);
  }
  function dequeue(item) {
    store(QUEUE, load(QUEUE, []).filter(function (other) { return queueKey(other) !== queueKey(item); }));
  }
  function setting(node, name, fallback) {
    var value = parseInt((node && node.getAttribute(name)) || body.getAttribute(name), 10);
    return value > 0 ? value : fallback;
  }
  /* POST a form's fields; a connection that gives no answer within the time is given up (the
     promise fails as for no signal). Gateway errors count as no answer: the server may not have
     seen the request, and sending it again is safe. */
  function send(url, fields, timeout) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, timeout);
    return fetch(url, { method: "POST", body: fields, credentials: "same-origin", redirect: "follow",
                        headers: { "Content-Type": "application/x-www-form-urlencoded" },
                        signal: controller ? controller.signal : undefined })
      .then(function (response) {
        if (response.status >= 502 && response.status <= 504) throw new Error(response.status);
        return response.text().then(function (html) { return { response: response, html: html }; },
                                    function () { return { response: response, html: "" }; });
      })
      .then(function (answer) { clearTimeout(timer); return answer; },
            function (error) { clearTimeout(timer); throw error; });
  }
  /* The messages the server put on the page a sent form led to (fetched once already), kept for
     the same page opened next, so "Lesson completed." is not lost on the way. */
  var FLASH = "cunbo:flash";
  function keepFlashes(url, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var found = Array.prototype.map.call(doc.querySelectorAll("main > p.flash"), function (p) {
      return { kind: p.className.replace(/[^a-z -]/g, ""), text: p.textContent };
    });
    try { if (found.length) sessionStorage.setItem(FLASH, JSON.stringify({ url: url, items: found })); } catch (e) { /* private mode */ }
  }
  function showKeptFlashes() {
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(FLASH) || "null"); sessionStorage.removeItem(FLASH); } catch (e) { kept = null; }
    var main = document.getElementById("main");
    if (!kept || !main || kept.url.split("#")[0] !== location.href.split("#")[0] || main.querySelector("p.flash")) return;
    kept.items.slice().reverse().forEach(function (item) {
      var p = el("p", item.kind, item.text);
      p.setAttribute("role", "status");
      main.insertBefore(p, main.firstChild);
    });
  }
  showKeptFlashes();
  /* A locked step opened from this phone's saved copy while work done on this phone for its
     course still waits to be sent: the step may open once that work is sent and checked. */
  (function explainLockedStep() {
    var card = document.querySelector("[data-locked]");
    var course = card && card.getAttribute("data-locked");
    if (!course) return;
    var waiting = load(QUEUE, []).some(function (item) {
      return item.user === USER && String(item.url).indexOf(location.origin + course) === 0;
    });
    if (!waiting) return;
    var note = el("p", "queued", t("lockedWaiting"));
    note.setAttribute("role", "status");
    card.insertBefore(note, card.querySelector(".btn"));
  })();
  function refused(html) { return /class="flash flash-error"|data-refused/.test(html); }
  var flushing = false;
  var retry = null;
  function flushLater() {
    if (retry === null) retry = setTimeout(function () { retry = null; flush(); }, setting(null, "data-retry", 30000));
  }
  function flush() {
    if (flushing || !navigator.onLine || !USER || !window.fetch) return;
    var item = load(QUEUE, []).filter(function (i) { return i.user === USER; })[0];
    if (!item) return;
    flushing = true;
    send(item.url, item.body, setting(null, "data-timeout", 15000))
      .then(function (answer) {
        var response = answer.response;
        flushing = false;
        dequeue(item);
        var token = new URLSearchParams(item.body).get("attempt_token");
        if (response.ok && response.redirected && response.url.indexOf("/login") === -1 && !refused(answer.html)) {
          if (token) keys("cunbo:quiz:").forEach(function (k) { if (k.slice(-token.length - 1) === ":" + token) localStorage.removeItem(k); });
          if (item.open && item.page === location.pathname) {
            // Still on the page it was sent from (check-in, classroom): show what it led to.
            keepFlashes(response.url, answer.html);
            location.assign(response.url);
            return;
          }
          showBanner(t("sent", { what: item.label }), true, response.url);
          Array.prototype.forEach.call(document.querySelectorAll("form[data-queue]"), function (form) {
            var note = form.querySelector(".queued");
            if (note && form.action === item.url) { note.className = "flash flash-success"; note.textContent = t("sent", { what: item.label }); }
          });
        } else {
          showBanner(t("failed", { what: item.label }), false, response.redirected ? response.url : item.page, t("open"));
        }
        flush();
      })
      .catch(function () { flushing = false; flushLater(); /* no signal, or no answer: later */ });
  }

  function showNote(form, text) {
    var note = form.querySelector(".queued") || el("p", "queued");
    note.setAttribute("role", "status");
    note.textContent = text;
    form.appendChild(note);
  }
  function setButtons(form, disabled) {
    Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) { b.disabled = disabled; });
  }
  function queueForm(form, fields, text) {
    enqueue(form, fields);
    showNote(form, text);
    setButtons(form, true);
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-logout")) { forgetPersonalCopies(); return; }
    if (!form.hasAttribute("data-queue") || !window.fetch) return;
    if (form.hasAttribute("data-native")) { form.removeAttribute("data-native"); return; }
    event.preventDefault();
    if (form.hasAttribute("data-sending")) return;
    var submitter = event.submitter;
    var fields = formBody(form, submitter);
    if (!navigator.onLine) { queueForm(form, fields, t("queued")); return; }
    // With signal: sent in the background with a time limit, so a connection that never answers
    // ends with the work saved on the phone, not on the browser's error page. It is queued
    // first, so a page closed while waiting loses nothing either.
    queueForm(form, fields, t("sending"));
    form.setAttribute("data-sending", "");
    var item = { url: form.action, body: fields };
    send(form.action, fields, setting(form, "data-timeout", 15000))
      .then(function (answer) {
        var response = answer.response;
        if (response.redirected) {
          // Signed out meanwhile: it stays queued and is sent after signing in again.
          if (response.url.indexOf("/login") === -1) dequeue(item);
          keepFlashes(response.url, answer.html);
          location.assign(response.url);
          return;
        }
        // Not accepted (answers missing, a refusal): send it the ordinary way, so the browser
        // shows the server's answer page itself.
        dequeue(item);
        form.removeAttribute("data-sending");
        setButtons(form, false);
        form.setAttribute("data-native", "");
        if (form.requestSubmit) form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        else form.submit();
      })
      .catch(function () {
        form.removeAttribute("data-sending");
        showNote(form, t("stalled"));
        flushLater();
      });
  });

  function forgetPersonalCopies() {
    if ("caches" in window) caches.delete("cunbo-pages");
    keys("cunbo:saved:").concat(keys("cunbo:quiz:")).forEach(function (k) { localStorage.removeItem(k); });
  }

  /* Quiz answers are kept in this browser as the learner goes, keyed by quiz and attempt token. */
  function formPairs(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && name !== "attempt_token") pairs.push([name, value]);
    });
    return pairs;
  }
  function restorePairs(form, pairs) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.type === "radio" || field.type === "checkbox") field.checked = false;
      else if (field.name && field.name !== "csrf_token" && field.name !== "attempt_token" && field.tagName !== "BUTTON") field.value = "";
    });
    pairs.forEach(function (pair) {
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + pair[0] + "']"), function (field) {
        if (field.type === "radio" || field.type === "checkbox") { if (field.value === pair[1]) field.checked = true; }
        else field.value = pair[1];
      });
    });
  }
  var quizForm = document.querySelector("form[data-autosave]");
  if (quizForm) {
    var prefix = "cunbo:quiz:" + quizForm.getAttribute("data-autosave") + ":";
    var tokenField = quizForm.elements.attempt_token;
    var queued = load(QUEUE, []).map(function (i) { return new URLSearchParams(i.body).get("attempt_token"); });
    var saved = null;
    keys(prefix).forEach(function (k) {
      var value = load(k, null);
      if (value && value.user === USER && queued.indexOf(value.token) === -1 && (!saved || value.at > saved.at)) saved = value;
    });
    if (saved && saved.pairs.length) {
      tokenField.value = saved.token;
      restorePairs(quizForm, saved.pairs);
      var restored = el("p", "flash", t("restored"));
      restored.setAttribute("role", "status");
      quizForm.insertBefore(restored, quizForm.firstChild);
    }
    var save = function () {
      store(prefix + tokenField.value, { token: tokenField.value, user: USER, at: Date.now(), pairs: formPairs(quizForm) });
    };
    quizForm.addEventListener("change", save);
    quizForm.addEventListener("input", save);
  }
  var finished = document.querySelector("[data-attempt-token]");
  if (finished) {
    localStorage.removeItem("cunbo:quiz:" + finished.getAttribute("data-quiz") + ":" + finished.getAttribute("data-attempt-token"));
  }
  var monthAgo = Date.now() - 30 * 24 * 3600 * 1000;
  keys("cunbo:quiz:").forEach(function (k) { var v = load(k, null); if (!v || v.at < monthAgo) localStorage.removeItem(k); });

  /* Save a whole course (its pages and images) for use without signal; the size is shown first. */
  var saveBox = document.querySelector("[data-offline-save]");
  if (saveBox && "caches" in window && "serviceWorker" in navigator) {
    var savedKey = "cunbo:saved:" + saveBox.getAttribute("data-offline-save");
    var saveButton = el("button", "btn btn-block");
    saveButton.type = "button";
    saveButton.innerHTML = DOWNLOAD;
    saveButton.appendChild(document.createTextNode(" " + t("save", { size: saveBox.getAttribute("data-size") })));
    var saveStatus = el("p", "meta");
    saveStatus.setAttribute("role", "status");
    if (load(savedKey, null)) saveStatus.textContent = t("saved");
    saveBox.appendChild(saveButton);
    saveBox.appendChild(saveStatus);
    saveBox.hidden = false;
    saveButton.addEventListener("click", function () {
      saveButton.disabled = true;
      fetch(saveBox.getAttribute("data-offline-save"), { credentials: "same-origin" })
        .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
        .then(function (data) {
          return caches.open("cunbo-pages").then(function (cache) {
            var done = 0;
            return data.urls.reduce(function (previous, url) {
              return previous.then(function () {
                saveStatus.textContent = t("saving", { done: done, total: data.urls.length });
                return fetch(url, { credentials: "same-origin" }).then(function (response) {
                  if (!response.ok || response.redirected) throw new Error(url);
                  done += 1;
                  return cache.put(url, response);
                });
              });
            }, Promise.resolve());
          });
        })
        .then(function () { store(savedKey, Date.now()); saveStatus.textContent = t("saved"); })
        .catch(function () { saveStatus.textContent = t("saveFailed"); })
        .then(function () { saveButton.disabled = false; });
    });
  }

  connectionChanged();
})();

/* CunBo Academy: read lessons and questions aloud with the phone's own voices, in the text's
   language. Trainers' recordings are plain <audio> players in the page (they work without this
   file). When the phone has no voice for the language, the read-aloud button stays and says so,
   pointing to the trainer's recording or the trainer, instead of vanishing. */
(function () {
  "use strict";
  var T = {};
  try { T = JSON.parse(document.body.getAttribute("data-t") || "{}"); } catch (e) { T = {}; }
  var SPEAKER = '<svg class="icon" aria-hidden="true" width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M4 9v6h4l5 4V5L8 9z"/><path d="M16.5 8.5a5 5 0 0 1 0 7M19 6a8.5 8.5 0 0 1 0 12"/></svg>';
  var synth = window.speechSynthesis && window.SpeechSynthesisUtterance ? window.speechSynthesis : null;
  var speaking = null;

  function t(key) { return T[key] || key; }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }
  function langOf(node) { var holder = node.closest("[lang]"); return (holder && holder.getAttribute("lang")) || "zh-CN"; }
  function voiceFor(lang) {
    if (!synth) return null;
    var wanted = lang.toLowerCase().replace("_", "-");
    var voices = [];
    try { voices = synth.getVoices() || []; } catch (e) { voices = []; }
    return voices.filter(function (v) { return v.lang.toLowerCase().replace("_", "-") === wanted; })[0] ||
      voices.filter(function (v) { return v.lang.toLowerCase().split(/[-_]/)[0] === wanted.split("-")[0]; })[0] || null;
  }
  function speak(text, lang, owner, done) {
    synth.cancel();
    speaking = owner;
    var voice = voiceFor(lang);
    // Short pieces: some phones stop reading a long text after about fifteen seconds.
    var pieces = text.replace(/\s+/g, " ").match(/[^。！？!?；;.]+[。！？!?；;.]*/g) || [];
    pieces.forEach(function (piece, index) {
      var utterance = new SpeechSynthesisUtterance(piece.trim());
      utterance.lang = lang;
      if (voice) utterance.voice = voice;
      if (index === pieces.length - 1) utterance.onend = function () { if (speaking === owner) { speaking = null; done(); } };
      synth.speak(utterance);
    });
  }
  function readableText(node) {
    var copy = node.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll(".read-bar, .say-btn, .no-voice, .voice, figure, .meta"), function (n) { n.remove(); });
    return copy.textContent;
  }
  function pointToRecording(scope) {
    // Without a voice, a tap on the button brings the nearest trainer's recording into view.
    var audio = scope && scope.querySelector("audio[data-voice]");
    if (audio) { audio.scrollIntoView({ block: "center" }); audio.focus(); }
  }

  /* The lesson's read bar: Read aloud / Pause / Resume, and Stop; or the no-voice message. */
  function setupArticle(article) {
    var bar = article.querySelector(".read-bar");
    if (!bar) {
      bar = el("div", "read-bar");
      bar.lang = document.documentElement.lang;  // the buttons speak the interface's language
      var read = el("button", "btn btn-small read-btn");
      var stop = el("button", "btn btn-small", t("stop"));
      read.type = stop.type = "button";
      // Stop is in the bar only while reading.
      var showStop = function (shown) { if (shown) bar.appendChild(stop); else if (stop.parentNode) stop.remove(); };
      bar.appendChild(read);
      var heading = article.querySelector("h1");
      article.insertBefore(bar, heading ? heading.nextSibling : article.firstChild);
      var label = function (key) { read.innerHTML = SPEAKER; read.appendChild(document.createTextNode(" " + t(key))); read.setAttribute("data-state", key); };
      read.addEventListener("click", function () {
        var state = read.getAttribute("data-state");
        if (state === "noVoice") { pointToRecording(article); return; }
        if (state === "pause") { synth.pause(); label("resume"); }
        else if (state === "resume") { synth.resume(); label("pause"); }
        else {
          speak(readableText(article), langOf(article), read, function () { label("read"); showStop(false); });
          label("pause");
          showStop(true);
        }
      });
      stop.addEventListener("click", function () { synth.cancel(); speaking = null; label("read"); showStop(false); });
      bar.label = label;
    }
    var button = bar.querySelector(".read-btn");
    var state = button.getAttribute("data-state");
    if (state === "pause" || state === "resume") return;  // reading now: leave it be
    bar.label(voiceFor(langOf(article)) ? "read" : "noVoice");
  }

  /* A speaker beside each question and choice; without a voice, one note per question. */
  function sayButton(target) {
    var button = el("button", "say-btn");
    button.type = "button";
    button.innerHTML = SPEAKER;
    button.setAttribute("aria-label", t("readThis"));
    button.lang = document.documentElement.lang;
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      if (!voiceFor(langOf(target))) { showNoVoice(target.closest("fieldset") || target.parentNode); return; }
      if (speaking === button && !synth.paused) { synth.pause(); button.setAttribute("aria-pressed", "false"); return; }
      if (speaking === button && synth.paused) { synth.resume(); button.setAttribute("aria-pressed", "true"); return; }
      Array.prototype.forEach.call(document.querySelectorAll(".say-btn"), function (b) { b.setAttribute("aria-pressed", "false"); });
      button.setAttribute("aria-pressed", "true");
      speak(target.textContent, langOf(target), button, function () { button.setAttribute("aria-pressed", "false"); });
    });
    var label = target.closest("label");
    if (label && label.classList.contains("choice")) {
      // Beside the choice, not inside its label: a tap on the speaker must not pick the answer.
      var row = el("div", "say-row");
      label.parentNode.insertBefore(row, label);
      row.appendChild(label);
      row.appendChild(button);
    } else if (label) {
      label.parentNode.insertBefore(button, label.nextSibling);
    } else {
      target.parentNode.insertBefore(button, target.nextSibling);
    }
  }
  function showNoVoice(scope) {
    var note = scope.querySelector(".no-voice");
    if (!note) {
      note = el("p", "no-voice meta");
      note.setAttribute("role", "status");
      note.lang = document.documentElement.lang;
      var legend = scope.querySelector("legend");
      if (legend) legend.parentNode.insertBefore(note, legend.nextSibling); else scope.insertBefore(note, scope.firstChild);
    }
    note.textContent = t("noVoice");
    pointToRecording(scope);
  }
  function setupQuestions() {
    Array.prototype.forEach.call(document.querySelectorAll(".quiz .say"), function (target) {
      if (target.getAttribute("data-say-ready")) return;
      var inLegend = !!target.closest("legend");
      // Without a voice only the question keeps a button (its tap explains); choices get none.
      if (!voiceFor(langOf(target)) && !inLegend) return;
      target.setAttribute("data-say-ready", "1");
      sayButton(target);
    });
    if (!synth || !voiceFor(document.documentElement.lang)) {
      Array.prototype.forEach.call(document.querySelectorAll(".quiz .say-btn"), function (b) { b.setAttribute("aria-label", t("noVoice")); });
    } else {
      Array.prototype.forEach.call(document.querySelectorAll(".quiz .say-btn"), function (b) { b.setAttribute("aria-label", t("readThis")); });
    }
  }
  function setup() {
    var article = document.querySelector("[data-read-aloud]");
    if (article) setupArticle(article);
    setupQuestions();
  }

  setup();
  // Voices load after the page on many phones: look again when they arrive.
  if (synth && synth.addEventListener) synth.addEventListener("voiceschanged", setup);
})();

/* CunBo Academy, lesson pages: plain words. Enhancement only; without this file a marked term
   is a link to the course's glossary and a checklist item is a real checkbox that is not kept.
   - A marked term (a.term, rendered by services/authoring/glossary.py) becomes a button: a tap
     shows its one-line explanation right after it, another tap or Escape closes it.
   - Ticked checklist items ("- [ ] ..." in a lesson) are remembered on this phone, per learner,
     lesson and item. */
(function () {
  "use strict";
  var article = document.querySelector("article.lesson");
  if (!article) return;

  function langOf(node) {
    var holder = node.closest("[lang]");
    return (holder && holder.getAttribute("lang")) || "zh-CN";
  }

  /* ---------------------------------------------------------------- checklists */
  function setupChecklists() {
    var boxes = article.querySelectorAll("input.task-list-item-checkbox");
    var storeKey = "cunbo:checklist:" + (document.body.getAttribute("data-user") || "") + ":" + location.pathname;
    var ticked = {};
    try { ticked = JSON.parse(localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { ticked = {}; }
    var seen = {};
    Array.prototype.forEach.call(boxes, function (box) {
      // An item is known by its text (and which time that text appears), so reordering the
      // list or adding items keeps what was ticked.
      var label = box.closest("label") || box.parentNode;
      var text = (label.textContent || "").replace(/\s+/g, " ").trim();
      seen[text] = (seen[text] || 0) + 1;
      var key = text + "#" + seen[text];
      if (Object.prototype.hasOwnProperty.call(ticked, key)) box.checked = !!ticked[key];
      box.addEventListener("change", function () {
        ticked[key] = box.checked;
        try { localStorage.setItem(storeKey, JSON.stringify(ticked)); } catch (e) { /* full or disabled */ }
      });
    });
  }
  // Before the terms: an explanation shown inside an item must not change its key.
  setupChecklists();

  /* ---------------------------------------------------------------- glossary terms */
  var open = null;
  function close(term, focus) {
    var note = document.getElementById(term.getAttribute("aria-controls"));
    if (note) note.hidden = true;
    term.setAttribute("aria-expanded", "false");
    if (open === term) open = null;
    if (focus) term.focus();
  }
  function toggle(term) {
    if (term.getAttribute("aria-expanded") === "true") { close(term, false); return; }
    if (open) close(open, false);
    document.getElementById(term.getAttribute("aria-controls")).hidden = false;
    term.setAttribute("aria-expanded", "true");
    open = term;
  }
  Array.prototype.forEach.call(article.querySelectorAll("a.term[data-explanation]"), function (term, index) {
    var note = document.createElement("span");
    var zh = langOf(term).toLowerCase().indexOf("zh") === 0;
    note.className = "term-note";
    note.id = "term-note-" + (index + 1);
    note.hidden = true;
    // Brackets make the explanation read as part of the sentence, with or without styles.
    note.textContent = zh ? "（" + term.getAttribute("data-explanation") + "）"
                          : " (" + term.getAttribute("data-explanation") + ")";
    term.parentNode.insertBefore(note, term.nextSibling);
    term.setAttribute("role", "button");
    term.setAttribute("aria-expanded", "false");
    term.setAttribute("aria-controls", note.id);
    term.addEventListener("click", function (event) {
      event.preventDefault();
      toggle(term);
    });
    term.addEventListener("keydown", function (event) {
      // A button answers the space bar too (Enter already clicks a link).
      if (event.key === " " || event.key === "Spacebar") { event.preventDefault(); toggle(term); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if ((event.key === "Escape" || event.key === "Esc") && open) close(open, true);
  });

})();
