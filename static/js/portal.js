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
// the browser scrolls there, this moves the keyboard focus to its heading (or the field a label names) and opens
// a collapsed FAQ entry. "#page=N" belongs to the PDF viewer and is left alone.
(function () {
  "use strict";

  const HEADINGS = "h1, h2, h3, h4, h5, h6, legend";

  function focusTarget() {
    let id;
    try {
      id = decodeURIComponent(window.location.hash.slice(1));
    } catch (error) {
      return;
    }
    if (!id || id.indexOf("=") !== -1) return;
    const target = document.getElementById(id);
    if (!target) return;
    if (target.tagName === "DETAILS") target.open = true;
    let focusable = target;
    if (target.tagName === "LABEL" && target.control) {
      focusable = target.control;
    } else if (!target.matches(HEADINGS)) {
      focusable = target.querySelector(HEADINGS) || target;
    }
    if (!focusable.matches("input, textarea, select, a[href], button") && !focusable.hasAttribute("tabindex")) {
      focusable.setAttribute("tabindex", "-1");
    }
    focusable.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  document.addEventListener("DOMContentLoaded", focusTarget);
  window.addEventListener("hashchange", focusTarget);
})();
