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
