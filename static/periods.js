// The period picker: the year box shows only for "Another year", typing a year picks that
// option, and choosing from the list shows the period at once. Without this script the box
// is always there and the Show button submits.
(function () {
  "use strict";
  document.querySelectorAll("[data-period-picker]").forEach(function (form) {
    var select = form.querySelector("select[name=period]");
    var box = form.querySelector("[data-period-year]");
    var year = box.querySelector("input");
    function sync() { box.hidden = select.value !== "year"; }
    select.addEventListener("change", function () {
      sync();
      if (select.value === "year") { year.focus(); } else { year.value = ""; form.submit(); }
    });
    year.addEventListener("input", function () { if (year.value) { select.value = "year"; } });
    sync();
  });
})();
