// Character counters for text fields with a limit (data-maxlength, written by alliances.forms.CountedTextarea):
// "123 von 2.000 Zeichen" under the field, named in its aria-describedby. The limit is deliberately not the
// browser's maxlength, which would cut a paste without a word: the whole text stays in the field, the counter
// says how much is over the limit (a status message, so screen readers hear it once it appears), and the server
// refuses the save with the field's message. Counting follows the server: line breaks count once, and
// characters are counted as code points (an emoji is one), as Python's len() does.
(function () {
  "use strict";

  function language() {
    return document.documentElement.lang || "de";
  }

  function formatted(number) {
    return new Intl.NumberFormat(language()).format(number);
  }

  // The server's wording with "%(name)s" placeholders, filled in.
  function filled(template, values) {
    return (template || "").replace(/%\((\w+)\)s/g, function (whole, name) {
      return name in values ? values[name] : whole;
    });
  }

  function counterFor(field) {
    const id = field.id + "_counter";
    let counter = document.getElementById(id);
    if (!counter) {
      counter = document.createElement("div");
      counter.id = id;
      counter.className = "form-text char-counter";
      const count = document.createElement("span");
      count.dataset.count = "";
      // Present from the start (empty), so that the message is announced when it is filled.
      const over = document.createElement("span");
      over.dataset.over = "";
      over.setAttribute("role", "status");
      counter.append(count, " ", over);
      field.insertAdjacentElement("afterend", counter);
      const described = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      described.push(id);
      field.setAttribute("aria-describedby", described.join(" "));
    }
    return counter;
  }

  function update(field) {
    if (!field.id) return;
    const limit = Number(field.dataset.maxlength);
    const length = Array.from(field.value.replace(/\r\n?/g, "\n")).length;
    const counter = counterFor(field);
    counter.querySelector("[data-count]").textContent = filled(field.dataset.counterText, {
      count: formatted(length),
      limit: formatted(limit),
    });
    const over = length - limit;
    counter.querySelector("[data-over]").textContent =
      over > 0 ? filled(field.dataset.counterOver, { over: formatted(over) }) : "";
    counter.classList.toggle("char-counter-over", over > 0);
  }

  function init(root) {
    root.querySelectorAll("[data-maxlength]").forEach(update);
  }

  // Delegated, so that fields swapped in by htmx count without being set up again.
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-maxlength]")) update(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
