// Studio enhancements (every page works without them):
// - an uploaded picture goes where the cursor is in the lesson text, not at the end;
// - "Insert at the cursor" buttons for pictures already uploaded to the course.
document.addEventListener("DOMContentLoaded", function () {
  var area = document.getElementById("body_md");
  var cursor = document.getElementById("cursor");
  if (!area) return;
  if (cursor && area.form) {
    area.form.addEventListener("submit", function () {
      // The textarea counts a line break as one character, as the server does after
      // turning the submitted CRLF into LF.
      cursor.value = String(area.selectionStart);
    });
  }
  document.querySelectorAll("button[data-insert]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var line = "\n" + button.getAttribute("data-insert") + "\n";
      area.setRangeText(line, area.selectionStart, area.selectionEnd, "end");
      area.focus();
    });
  });
});
