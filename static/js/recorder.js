/* CunBo Academy studio: record a voice recording in the browser (MediaRecorder). Without this
   file, or without a microphone, the form's file input still takes a sound file. The recording
   is put into that file input, so the same form and the same server checks save it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-recorder]");
  if (!form || !window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia ||
      !window.DataTransfer) return;
  var input = form.querySelector("input[type=file]");
  if (!input) return;
  var T = {};
  try { T = JSON.parse(document.body.getAttribute("data-t") || "{}"); } catch (e) { T = {}; }
  function t(key) { return T[key] || key; }

  var box = document.createElement("div");
  box.className = "recorder";
  var button = document.createElement("button");
  button.type = "button";
  button.className = "btn";
  button.textContent = t("recStart");
  var status = document.createElement("p");
  status.className = "meta";
  status.setAttribute("role", "status");
  var player = document.createElement("audio");
  player.controls = true;
  player.hidden = true;
  box.appendChild(button);
  box.appendChild(status);
  box.appendChild(player);
  input.closest(".field").insertAdjacentElement("beforebegin", box);

  var recorder = null, chunks = [], started = 0, timer = null;
  function type() {
    var wanted = ["audio/mp4", "audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus"];
    for (var i = 0; i < wanted.length; i++) if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(wanted[i])) return wanted[i];
    return "";
  }
  function clock() {
    var s = Math.round((Date.now() - started) / 1000);
    status.textContent = t("recRecording") + " " + Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  }
  button.addEventListener("click", function () {
    if (recorder && recorder.state === "recording") { recorder.stop(); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var mime = type();
      recorder = mime ? new MediaRecorder(stream, { mimeType: mime }) : new MediaRecorder(stream);
      chunks = [];
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        clearInterval(timer);
        stream.getTracks().forEach(function (track) { track.stop(); });
        var kind = recorder.mimeType || mime || "audio/webm";
        var blob = new Blob(chunks, { type: kind });
        var ext = kind.indexOf("mp4") !== -1 ? ".m4a" : kind.indexOf("ogg") !== -1 ? ".ogg" : ".webm";
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], "recording" + ext, { type: kind }));
        input.files = transfer.files;
        player.src = URL.createObjectURL(blob);
        player.hidden = false;
        button.textContent = t("recAgain");
        status.textContent = t("recDone");
      };
      recorder.start(1000);
      started = Date.now();
      timer = setInterval(clock, 500);
      clock();
      button.textContent = t("recStop");
    }).catch(function () { status.textContent = t("recNoMic"); });
  });
})();
