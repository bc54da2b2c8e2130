// Quiz attempts: autosave of every change (the Save button is the fallback), a countdown to
// the server's deadline that submits when time is up, and a confirmation before submitting
// that says how many questions are unanswered. Without this script the page shows the
// deadline, and Submit goes to a confirmation page; the server enforces the deadline.
(function () {
  "use strict";
  var form = document.querySelector("form#attempt-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var pending = null;
  var submitting = false;

  // ---- countdown ------------------------------------------------------------------------------
  // The deadline is the server's; the phone's clock may be off, so the offset between the two
  // is taken from the seconds left the server sent (with the page, then with each autosave).
  var deadlineBox = document.getElementById("deadline");
  var countdown = document.getElementById("countdown");
  var deadline = deadlineBox ? Date.parse(deadlineBox.dataset.deadline) : NaN;
  var skew = 0; // server time minus this device's time, in milliseconds
  var ticking = null;

  function sync(secondsLeft) {
    if (!isNaN(deadline) && typeof secondsLeft === "number") {
      skew = deadline - secondsLeft * 1000 - Date.now();
    }
  }

  function twoDigits(n) { return (n < 10 ? "0" : "") + n; }

  function shown(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    return (h ? h + ":" + twoDigits(m) : m) + ":" + twoDigits(s);
  }

  function tick() {
    var left = Math.max(0, Math.ceil((deadline - (Date.now() + skew)) / 1000));
    countdown.textContent = deadlineBox.dataset.leftText.replace("{time}", shown(left));
    countdown.classList.toggle("urgent", left <= 60);
    if (left <= 0) {
      clearInterval(ticking);
      countdown.textContent = deadlineBox.dataset.upText;
      submitNow();
    }
  }

  if (deadlineBox && countdown && !isNaN(deadline)) {
    sync(parseInt(deadlineBox.dataset.secondsLeft, 10));
    countdown.hidden = false;
    deadlineBox.classList.add("counting");
    tick();
    ticking = setInterval(tick, 1000);
  }

  // ---- submitting ----------------------------------------------------------------------------
  function submitNow() {
    if (submitting) { return; }
    submitting = true;
    clearTimeout(pending);
    form.setAttribute("action", form.dataset.submitUrl);
    form.submit(); // a plain post: the answers on the page go in with the submission
  }

  function answered(fieldset) {
    var fields = fieldset.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden") { continue; }
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) { return true; }
      } else if (field.value.trim() !== "") {
        return true;
      }
    }
    return false;
  }

  function confirmation() {
    var missing = 0;
    form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
      if (!answered(fieldset)) { missing += 1; }
    });
    if (missing === 0) { return form.dataset.confirmNone; }
    var text = missing === 1 ? form.dataset.confirmOne : form.dataset.confirmOther;
    return text.replace("{n}", String(missing));
  }

  var submitButton = document.getElementById("submit-attempt");
  if (submitButton) {
    submitButton.addEventListener("click", function (event) {
      event.preventDefault();
      if (submitting) { return; }
      if (window.confirm(confirmation())) { submitNow(); }
    });
  }

  // ---- autosave ------------------------------------------------------------------------------
  function save() {
    if (submitting) { return; }
    var body = new FormData(form);
    // getAttribute: a button named "action" shadows form.action.
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (data) { return [r.ok, data]; }); })
      .then(function (result) {
        sync(result[1].seconds_left);
        status.textContent = result[0] ? form.dataset.savedText + " ✓" : result[1].error;
      })
      .catch(function () { status.textContent = form.dataset.offlineText; });
  }

  form.addEventListener("change", function () { clearTimeout(pending); pending = setTimeout(save, 300); });
  // On a slow link the cadre can answer before this script arrives: save what the page already
  // shows differently from how it was served.
  var answeredEarly = Array.prototype.some.call(form.elements, function (field) {
    if (field.type === "radio" || field.type === "checkbox") { return field.checked !== field.defaultChecked; }
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return (field.tagName === "TEXTAREA" || field.type === "text" || field.type === "number") &&
      field.value !== field.defaultValue;
  });
  if (answeredEarly) { pending = setTimeout(save, 300); }
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "TEXTAREA" || event.target.type === "text" || !event.target.type) {
      clearTimeout(pending);
      pending = setTimeout(save, 1200);
    }
  });
})();
