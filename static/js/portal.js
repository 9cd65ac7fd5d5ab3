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

// A link from the search (or anywhere) to "#abschnitt-measures", "#gutachten-12", "#faq-3" lands on that place:
// the browser scrolls there, this moves the keyboard focus to its heading (or its field) and opens a collapsed
// FAQ entry. While a strategy is being edited, "#abschnitt-<field>" lands on that field of the form
// ("div_id_<field>", the markup crispy forms gives it). "#page=N" belongs to the PDF viewer and is left alone.
(function () {
  "use strict";

  const HEADINGS = "h1, h2, h3, h4, h5, h6, legend, summary";
  const FIELDS = "textarea, select, input:not([type=hidden])";
  const FOCUSABLE = "textarea, select, input, button, a[href], summary";

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
      target = document.getElementById("div_id_" + id.slice("abschnitt-".length));
    }
    if (!target) return;
    if (target.tagName === "DETAILS") target.open = true;
    let focusable = target;
    if (!target.matches(HEADINGS)) {
      focusable = target.querySelector(HEADINGS) || target.querySelector(FIELDS) || target;
    }
    if (!focusable.matches(FOCUSABLE) && !focusable.hasAttribute("tabindex")) {
      focusable.setAttribute("tabindex", "-1");
    }
    focusable.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", focusTarget);
  window.addEventListener("hashchange", focusTarget);
})();
