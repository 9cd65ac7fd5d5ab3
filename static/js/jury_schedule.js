// The schedule grid's drag and drop: a pitch (draggable row) dropped on an open slot posts the grid's hidden
// drop form with htmx, the same move the shared move form makes; the server answers the grid. After the
// swap the moved row (data-focus-after-swap) takes the focus, and #messages (aria-live) reads the result.
// A row's link "Verschieben …" / "Einplanen …" chooses its pitch or slot in the shared form and focuses the select
// still to choose; without JavaScript the link loads ?move= / ?slot=, which preselects the same on the server.
(function () {
  "use strict";

  const GRID = "[data-schedule-grid]";
  let dragged = null;
  let dropped = false;

  function dropRow(event) {
    return event.target.closest ? event.target.closest("[data-drop-slot]") : null;
  }

  document.addEventListener("dragstart", function (event) {
    const row = event.target.closest ? event.target.closest("[data-pitch]") : null;
    if (!row) return;
    dragged = row.dataset.pitch;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    row.classList.add("opacity-50");
  });

  document.addEventListener("dragend", function (event) {
    const row = event.target.closest ? event.target.closest("[data-pitch]") : null;
    if (row) row.classList.remove("opacity-50");
    dragged = null;
  });

  document.addEventListener("dragover", function (event) {
    const row = dropRow(event);
    if (!row || !dragged) return;
    event.preventDefault(); // allows the drop here
    event.dataTransfer.dropEffect = "move";
    row.classList.add("table-primary");
  });

  document.addEventListener("dragleave", function (event) {
    const row = dropRow(event);
    if (row && !row.contains(event.relatedTarget)) row.classList.remove("table-primary");
  });

  document.addEventListener("drop", function (event) {
    const row = dropRow(event);
    if (!row) return;
    event.preventDefault();
    const pitch = dragged || event.dataTransfer.getData("text/plain");
    const form = row.closest(GRID) && row.closest(GRID).querySelector("form[data-drop-form]");
    if (!pitch || !form) return;
    form.querySelector("input[name=pitch]").value = pitch;
    form.querySelector("input[name=target]").value = row.dataset.dropSlot;
    dropped = true;
    form.requestSubmit(); // htmx takes the submit (hx-post); without htmx it is a plain post
  });

  // A drop leaves the focus where the mouse was; after the swap it goes to the moved row or the refusal.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!dropped) return;
    dropped = false;
    const grid = document.querySelector(GRID);
    const focus = grid && grid.querySelector("[data-focus-after-swap]");
    if (focus && !focus.contains(document.activeElement)) focus.focus();
  });

  document.addEventListener("htmx:responseError", function () { dropped = false; });

  function choose(selectId, value, focusId) {
    const select = document.getElementById(selectId);
    const next = document.getElementById(focusId);
    if (!select || !next || !select.querySelector('option[value="' + value + '"]')) return false;
    select.value = value;
    next.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest ? event.target.closest("a[data-move-pitch], a[data-assign-slot]") : null;
    if (!link || !link.closest(GRID)) return;
    const done = link.dataset.movePitch
      ? choose("move-pitch", link.dataset.movePitch, "move-target")
      : choose("assign-slot", link.dataset.assignSlot, "assign-strategy");
    if (done) event.preventDefault(); // otherwise the link loads the page with the choice made on the server
  });
})();
