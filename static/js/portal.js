// Live totals for the budget grid; the server recomputes and checks everything on save.
(function () {
  "use strict";

  function parseGermanAmount(text) {
    const cleaned = (text || "").trim().replace(/\s/g, "").replace(/\./g, "").replace(",", ".");
    const value = Number.parseFloat(cleaned);
    return Number.isFinite(value) ? value : 0;
  }

  function formatAmount(value) {
    return value.toLocaleString(document.documentElement.lang || "de", {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
  }

  function updateTotals(table) {
    const yearTotals = [];
    let grand = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      let rowTotal = 0;
      row.querySelectorAll("input").forEach(function (input, index) {
        const value = parseGermanAmount(input.value);
        rowTotal += value;
        yearTotals[index] = (yearTotals[index] || 0) + value;
      });
      grand += rowTotal;
      const cell = row.querySelector("[data-row-total]");
      if (cell) cell.textContent = formatAmount(rowTotal);
    });
    table.querySelectorAll("[data-year-total]").forEach(function (cell) {
      cell.textContent = formatAmount(yearTotals[Number(cell.dataset.yearTotal)] || 0);
    });
    const grandCell = table.querySelector("[data-grand-total]");
    if (grandCell) grandCell.textContent = formatAmount(grand);
  }

  function init(root) {
    root.querySelectorAll("[data-budget-table]").forEach(function (table) {
      table.addEventListener("input", function () { updateTotals(table); });
      updateTotals(table);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();

// A link from the search (or anywhere) to "#abschnitt-measures", "#gutachten-12", "#faq-3" lands on that place: the
// browser scrolls there and, because the templates make those anchors focusable (headings with tabindex="-1",
// a FAQ entry's summary), moves the keyboard focus there too. This script opens a FAQ entry whose summary is the
// target, focuses anchors the templates did not make focusable, and while a strategy is being edited lands
// "#abschnitt-<field>" on that field of the form ("div_id_<field>", the markup crispy forms gives it).
// "#page=N" belongs to the PDF viewer and is left alone.
(function () {
  "use strict";

  const FOCUSABLE = "textarea, select, input, button, a[href], summary, [tabindex]";
  const FIELDS = "textarea, select, input:not([type=hidden])";

  function focusTarget() {
    let id;
    try {
      id = decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return;
    }
    if (!id || id.indexOf("=") !== -1) return;
    let target = document.getElementById(id);
    if (!target && id.indexOf("abschnitt-") === 0) {
      const field = document.getElementById("div_id_" + id.slice("abschnitt-".length));
      target = field && field.querySelector(FIELDS);
    }
    if (!target) return;
    const details = target.closest("details");
    if (details) details.open = true;
    if (!target.matches(FOCUSABLE)) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", focusTarget);
  window.addEventListener("hashchange", focusTarget);
})();

// A confirmation form (data-disable-on-submit) is sent once: its submit buttons are disabled while the request
// runs, so a double click posts once. The server ignores a repeated post anyway; this spares the second request.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("form[data-disable-on-submit]")) return;
    if (event.defaultPrevented) return;
    // At once, so that the second click of a double click finds the button disabled. The form's fields are
    // collected after this event; the buttons carry no name, so disabling them takes nothing from the request.
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    });
  });

  // Back from the next page (bfcache): the buttons work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-disable-on-submit] [aria-disabled=true]").forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-disabled");
    });
  });
})();
