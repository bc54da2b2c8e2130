// Autosave for quiz attempts: every change is sent at once; the Save button is the fallback.
(function () {
  "use strict";
  var form = document.querySelector("form#attempt-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var pending = null;

  function save() {
    var body = new FormData(form);
    // getAttribute: a button named "action" shadows form.action.
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (data) { return [r.ok, data]; }); })
      .then(function (result) {
        status.textContent = result[0] ? form.dataset.savedText + " ✓" : result[1].error;
      })
      .catch(function () { status.textContent = form.dataset.offlineText; });
  }

  form.addEventListener("change", function () { clearTimeout(pending); pending = setTimeout(save, 300); });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text" || !event.target.type) {
      clearTimeout(pending);
      pending = setTimeout(save, 1200);
    }
  });
})();
