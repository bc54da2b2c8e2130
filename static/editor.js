// Module editor: live preview, image upload into the text, and a guard against losing edits.
// Everything here is an enhancement: without it, the Preview button and the upload form work.
(function () {
  "use strict";
  var editor = document.querySelector("form#module-editor");
  if (!editor) { return; }
  var textarea = editor.querySelector("textarea[name=body_md]");
  var preview = document.querySelector("div#live-preview");
  var token = editor.querySelector("input[name=csrf_token]").value;
  var dirty = false;
  var timer = null;
  var sequence = 0;

  function refreshPreview() {
    var mine = ++sequence;
    var body = new FormData();
    body.append("csrf_token", token);
    body.append("body_md", textarea.value);
    fetch(editor.dataset.previewUrl, { method: "POST", body: body, credentials: "same-origin",
                                       headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        // The server rendered and sanitized this HTML, exactly as it does on save.
        if (data && mine === sequence) { preview.innerHTML = data.html; }
      })
      .catch(function () { /* offline: the Preview button still works later */ });
  }

  textarea.addEventListener("input", function () {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(refreshPreview, 400);
  });
  // On a slow connection this script can arrive after the trainer has started typing:
  // catch up with what the text already says.
  if (textarea.value !== textarea.defaultValue) {
    dirty = true;
    refreshPreview();
  }
  editor.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  function insertAtCursor(text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    var block = (before && !before.endsWith("\n") ? "\n\n" : "") + text + "\n";
    textarea.value = before + block + after;
    textarea.selectionStart = textarea.selectionEnd = start + block.length;
    textarea.dispatchEvent(new Event("input"));
    textarea.focus();
  }

  var upload = document.querySelector("form#image-upload");
  if (upload) {
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = upload.querySelector(".upload-status");
      if (!status) {
        status = document.createElement("p");
        status.className = "upload-status";
        status.setAttribute("role", "status");
        upload.appendChild(status);
      }
      fetch(upload.action, { method: "POST", body: new FormData(upload), credentials: "same-origin",
                             headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.markdown) {
            insertAtCursor(data.markdown);
            status.textContent = "✓ " + data.url;
            upload.reset();
          } else {
            status.textContent = data.error || upload.dataset.errorText;
          }
        })
        .catch(function () { status.textContent = upload.dataset.errorText; });
    });
  }
})();

(function () {
  "use strict";
  document.querySelectorAll("form.confirm").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
