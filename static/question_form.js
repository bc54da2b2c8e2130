// Question form: "Add an answer" adds a row in place (without this script the button posts the
// form, which comes back with one more row and everything typed kept), and in a one-answer
// question the credits follow the answer marked correct, so that turning on partial credit
// starts from what the radio buttons said.
(function () {
  "use strict";
  var form = document.getElementById("question-form");
  if (!form) { return; }

  function addRow(button) {
    var rows = form.querySelectorAll(".question-row");
    var last = rows[rows.length - 1];
    var name = button.dataset.rows;
    var pattern = new RegExp("^" + name + "-(\\d+)-");
    var highest = -1;
    form.querySelectorAll("[name^='" + name + "-']").forEach(function (field) {
      var match = pattern.exec(field.name);
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    });
    var next = highest + 1;
    var row = last.cloneNode(true);
    row.querySelectorAll(".error").forEach(function (error) { error.remove(); });
    row.querySelectorAll(".has-error").forEach(function (box) { box.classList.remove("has-error"); });
    row.querySelectorAll("[name], [id], [for]").forEach(function (element) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value && pattern.test(value)) {
          element.setAttribute(attribute, value.replace(pattern, name + "-" + next + "-"));
        }
      });
      if (element.name === "correct_choice") {
        element.value = String(next);
        element.checked = false;
      } else if (element.type === "checkbox" || element.type === "radio") {
        element.checked = false;
      } else if (element.name) {
        element.value = "";
      }
    });
    var container = last.parentNode;
    row.querySelector("legend").textContent =
      container.dataset.legend.replace("{n}", String(rows.length + 1));
    container.appendChild(row);
    var first = row.querySelector("input:not([type=radio]):not([type=checkbox]), textarea");
    if (first) { first.focus(); }
    if (rows.length + 1 >= parseInt(button.dataset.max, 10)) { button.hidden = true; }
  }

  form.querySelectorAll("button.add-row").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      addRow(button);
    });
  });

  var partial = document.getElementById("partial_credit");
  function creditsFromRadio() {
    if (!partial || partial.checked) { return; }
    form.querySelectorAll(".question-row").forEach(function (row) {
      var radio = row.querySelector("input[name=correct_choice]");
      var credit = row.querySelector(".credit-field input");
      if (radio && credit && form.querySelector("input[name=correct_choice]:checked")) {
        credit.value = radio.checked ? "100" : "0";
      }
    });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "correct_choice" || event.target === partial) { creditsFromRadio(); }
  });
})();
