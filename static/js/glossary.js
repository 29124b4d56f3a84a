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
