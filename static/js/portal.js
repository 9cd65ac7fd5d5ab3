// Euro amounts: each amount input (data-amount) shows what was understood ("= 1.500,00 EUR") or, for an
// ambiguous entry, the server's hint on how to write it; the budget grid adds live totals. The parser mirrors
// portal.formatting.parse_euro (change both together): an amount is read only when it has one reading in the
// page's language, so "1.5" in German gives a hint, never 15 or 1.5. The server parses and checks again on save.
(function () {
  "use strict";

  function language() {
    return document.documentElement.lang || "de";
  }

  // The page language's decimal and group marks, as Intl writes them (German "," and ".", English "." and ",").
  function marks() {
    const parts = new Intl.NumberFormat(language()).formatToParts(12345.6);
    const find = function (type) {
      const part = parts.find(function (candidate) { return candidate.type === type; });
      return part ? part.value : "";
    };
    return { decimal: find("decimal"), group: find("group") };
  }

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  // {cents} for an amount, {empty} for blank text, {ambiguous} for digits and marks without one reading or with
  // more than two decimal places (which the server refuses too), {invalid} for anything else.
  function parseAmount(text) {
    let body = (text || "").replace(/\s/g, "");
    ["EUR", "€"].forEach(function (mark) {
      if (body.toUpperCase().startsWith(mark)) body = body.slice(mark.length);
      if (body.toUpperCase().endsWith(mark)) body = body.slice(0, body.length - mark.length);
    });
    if (!body) return { empty: true };
    let sign = 1;
    if (body.startsWith("-")) {
      sign = -1;
      body = body.slice(1);
    }
    const m = marks();
    const allowed = new RegExp("^[0-9.," + escapeRegExp(m.decimal + m.group) + "]+$");
    if (!allowed.test(body)) return { invalid: true };
    const group = escapeRegExp(m.group);
    const point = escapeRegExp(m.decimal);
    const match = new RegExp("^([0-9]+|[0-9]{1,3}(?:" + group + "[0-9]{3})+)(?:" + point + "([0-9]+))?$").exec(body);
    if (!match || (match[2] || "").length > 2) return { ambiguous: true };
    // Whole cents, so that sums carry no floating-point error.
    const euros = Number(match[1].split(m.group).join(""));
    const cents = Number(((match[2] || "") + "00").slice(0, 2));
    return { cents: sign * (euros * 100 + cents) };
  }

  function formatCents(cents) {
    return new Intl.NumberFormat(language(), { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      .format(cents / 100);
  }

  // The line under an amount input, created once and named in its aria-describedby.
  function understoodLine(input) {
    const id = input.id + "_understood";
    let line = document.getElementById(id);
    if (!line) {
      line = document.createElement("div");
      line.id = id;
      line.className = "form-text amount-understood";
      input.insertAdjacentElement("afterend", line);
      const described = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      described.push(id);
      input.setAttribute("aria-describedby", described.join(" "));
    }
    return line;
  }

  function showUnderstood(input) {
    if (!input.id) return;
    const amount = parseAmount(input.value);
    const line = understoodLine(input);
    line.classList.toggle("amount-unclear", Boolean(amount.ambiguous || amount.invalid));
    if (amount.cents !== undefined) line.textContent = "= " + formatCents(amount.cents) + " EUR";
    else if (amount.ambiguous) line.textContent = input.dataset.amountHint || "";
    else line.textContent = "";
  }

  // A total that includes an unreadable entry is unknown: it shows a dash, not a wrong sum.
  function updateTotals(table) {
    const yearTotals = [];
    let grand = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      let rowTotal = 0;
      row.querySelectorAll("input[data-amount]").forEach(function (input, index) {
        const amount = parseAmount(input.value);
        const cents = amount.empty ? 0 : amount.cents === undefined ? NaN : amount.cents;
        rowTotal += cents;
        yearTotals[index] = (yearTotals[index] === undefined ? 0 : yearTotals[index]) + cents;
      });
      grand += rowTotal;
      const cell = row.querySelector("[data-row-total]");
      if (cell) cell.textContent = shownTotal(rowTotal);
    });
    table.querySelectorAll("[data-year-total]").forEach(function (cell) {
      const total = yearTotals[Number(cell.dataset.yearTotal)];
      cell.textContent = shownTotal(total === undefined ? 0 : total);
    });
    const grandCell = table.querySelector("[data-grand-total]");
    if (grandCell) grandCell.textContent = shownTotal(grand);
  }

  function shownTotal(cents) {
    return Number.isNaN(cents) ? "—" : formatCents(cents);
  }

  function init(root) {
    root.querySelectorAll("input[data-amount]").forEach(showUnderstood);
    root.querySelectorAll("[data-budget-table]").forEach(updateTotals);
  }

  // Delegated, so that forms swapped in by htmx work without being set up again.
  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!input.matches || !input.matches("input[data-amount]")) return;
    showUnderstood(input);
    const table = input.closest("[data-budget-table]");
    if (table) updateTotals(table);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
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
