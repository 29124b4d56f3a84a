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
