// The roster: one tap marks a person without reloading the page, and typing in the search box
// filters the list at once. Without this script both still work (a form post, a GET search),
// and "everyone not marked yet" asks on a confirmation page instead of a dialog.
(function () {
  "use strict";
  var roster = document.getElementById("roster");
  if (!roster) { return; }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d")
      .replace(/Đ/g, "d").toLowerCase();
  }

  var filter = document.querySelector("[data-roster-filter]");
  if (filter) {
    var apply = function () {
      var wanted = fold(filter.value.trim());
      roster.querySelectorAll(".roster-row").forEach(function (row) {
        row.hidden = wanted !== "" && fold(row.dataset.name).indexOf(wanted) === -1;
      });
    };
    filter.addEventListener("input", apply);
    // text typed (or restored by the browser) before this script ran
    if (filter.value) { apply(); }
  }

  // "Everyone not marked yet": a dialog instead of the confirmation page the form leads to
  // without script.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        return;
      }
      var confirmed = document.createElement("input");
      confirmed.type = "hidden";
      confirmed.name = "confirmed";
      confirmed.value = "yes";
      form.appendChild(confirmed);
    });
  });

  function show(form, status, version, message) {
    form.querySelector("input[name=version]").value = version;
    form.querySelectorAll("button[name=status]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.value === status ? "true" : "false");
    });
    var row = form.closest(".roster-row");
    var note = row.querySelector(".row-message");
    if (!note) {
      note = document.createElement("small");
      note.className = "row-message";
      note.setAttribute("role", "status");
      row.querySelector(".who").appendChild(note);
    }
    note.textContent = message || "";
    note.classList.toggle("error", Boolean(message));
  }

  roster.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-mark]")) { return; }
    var button = event.submitter;
    if (!button || button.name !== "status") { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.set("status", button.value);
    form.classList.add("saving");
    fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      var body = result.body;
      var tally = document.getElementById("tally");
      if (tally && body.tally_html) { tally.innerHTML = body.tally_html; }
      if (body.version !== undefined) {
        show(form, body.status, body.version, result.ok ? "" : body.message);
      } else {
        var pressed = form.querySelector("button[aria-pressed=true]");
        show(form, pressed ? pressed.value : null, form.querySelector("input[name=version]").value,
          body.message);
      }
    }).catch(function () {
      show(form, null, form.querySelector("input[name=version]").value, roster.dataset.failMessage);
    }).finally(function () {
      form.classList.remove("saving");
    });
  });
})();
