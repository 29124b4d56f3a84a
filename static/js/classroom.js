/* Classroom mode: keep the classroom screen and the learners' phones current on a weak
   connection. Every few seconds, ask the page's small state URL with If-None-Match; a 304
   means nothing changed (a few hundred bytes), anything else reloads the page. Without this
   file the waiting pages refresh themselves (<meta refresh>). */
(function () {
  "use strict";
  var box = document.querySelector("[data-poll]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-poll");
  var tag = 'W/"' + box.getAttribute("data-etag") + '"';
  var EVERY = 3000;
  var busy = false;
  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "If-None-Match": tag } })
      .then(function (response) {
        busy = false;
        if (response.status === 200) { location.reload(); }
        /* 304: unchanged; 403/404: leave the page as it is (its links still work). */
      })
      .catch(function () { busy = false; /* no signal: try again at the next tick */ });
  }
  setInterval(poll, EVERY);
  document.addEventListener("visibilitychange", poll);
})();
