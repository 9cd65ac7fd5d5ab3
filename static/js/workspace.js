// Never lose typed text, and never lose the keyboard focus.
//
// Forms marked data-unsaved-warning (the strategy draft, the review) are watched: while their input differs from
// what was loaded or last saved, leaving the page asks first, and the draft is autosaved every
// data-autosave-seconds and when a changed field loses focus. The autosave posts the form to its own action with
// the header X-Autosave, through the same versioned save as the button: the server answers with the new version
// (JSON), or with a panel showing both versions when another tab saved meanwhile (409); then nothing is
// overwritten and the autosave pauses until the person chooses.
(function () {
  "use strict";

  const FORMS = "form[data-unsaved-warning]";
  const FIELDS = "input:not([type=hidden]), textarea, select";
  const states = new WeakMap();
  let leaving = false;

  // The input as one string, without the CSRF token and the version, which change without anyone typing.
  function snapshot(form) {
    const data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    data.delete("version");
    return new URLSearchParams(data).toString();
  }

  function isDirty(form) {
    const state = states.get(form);
    return Boolean(state) && (state.unsaved || snapshot(form) !== state.baseline);
  }

  function say(form, text) {
    const status = form.querySelector("[data-autosave-status]");
    if (status) status.textContent = text;
  }

  function showConflict(form, html) {
    const region = form.querySelector("[data-conflict-region]");
    if (!region) return;
    // Server-rendered and escaped by Django's templates; it holds no script.
    region.innerHTML = html;
    const panel = region.querySelector("[data-conflict-panel]");
    const version = form.querySelector("input[name=version]");
    // Saving from now on is the deliberate "keep my version", so the form carries the stored version.
    if (panel && version) version.value = panel.dataset.currentVersion;
    states.get(form).unsaved = true;
    const title = region.querySelector("h2");
    say(form, title ? title.textContent : "");
  }

  function autosave(form) {
    const state = states.get(form);
    if (state.saving || leaving || form.querySelector("[data-conflict-panel]") || !isDirty(form)) return;
    state.saving = true;
    const sent = snapshot(form);
    // No submitter: the posted data never holds "submit", so an autosave only ever saves the draft.
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Autosave": "1" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 409) {
          return response.text().then(function (html) { showConflict(form, html); });
        }
        return response.json().then(function (answer) {
          if (response.ok) {
            form.querySelector("input[name=version]").value = answer.version;
            state.baseline = sent;
            state.unsaved = false;
          }
          say(form, answer.message || "");
        });
      })
      .catch(function () {
        const status = form.querySelector("[data-autosave-status]");
        say(form, status ? status.dataset.failedText || "" : "");
      })
      .finally(function () {
        state.saving = false;
        // A click on a save button while the autosave ran waited for it; the version is current now. After a
        // conflict it is not repeated: the person first sees both versions and chooses.
        const submitter = state.pendingSubmitter;
        state.pendingSubmitter = undefined;
        if (submitter !== undefined && !form.querySelector("[data-conflict-panel]")) {
          form.requestSubmit(submitter || undefined);
        }
      });
  }

  function watch(form) {
    states.set(form, {
      baseline: snapshot(form),
      // Input shown back after a refused save (errors, a conflict) is not stored yet.
      unsaved: form.hasAttribute("data-unsaved") || Boolean(form.querySelector("[data-error-summary]")),
      saving: false,
      pendingSubmitter: undefined,
    });
    form.addEventListener("focusout", function (event) {
      if (!event.target.matches(FIELDS)) return;
      // Leaving a field for this form's own button: the button saves; an autosave now would race it.
      const next = event.relatedTarget;
      if (next && next.form === form && next.matches("button, input[type=submit]")) return;
      autosave(form);
    });
    form.addEventListener("submit", function (event) {
      const state = states.get(form);
      if (state.saving) {
        event.preventDefault();
        state.pendingSubmitter = event.submitter || null;
        return;
      }
      leaving = true;
    });
    const seconds = Number(form.dataset.autosaveSeconds);
    if (seconds > 0) {
      window.setInterval(function () { autosave(form); }, seconds * 1000);
    }
  }

  window.addEventListener("beforeunload", function (event) {
    if (leaving) return;
    if (!Array.from(document.querySelectorAll(FORMS)).some(isDirty)) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // "Take the stored version" discards the typed input on purpose.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-discard-changes]")) leaving = true;
  });

  // Back from the next page (bfcache), or a submit that did not leave: watch again.
  window.addEventListener("pageshow", function () { leaving = false; });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(FORMS).forEach(watch);
  });
})();

// Focus after a refused submit and after an htmx swap (WCAG 3.3.1, 2.4.3). A page that comes back with errors
// focuses its error summary, whose links lead to the fields; a conflict focuses the panel with both versions.
// An htmx swap that replaced the focused element (an upload refreshing its panel) moves the focus to the changed
// region's heading (or its error summary) and announces it, instead of letting it drop to the page body.
(function () {
  "use strict";

  const HEADINGS = "h1, h2, h3, h4, h5, h6";
  let focusWasInside = false;
  let headingBefore = null;

  function focus(element) {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) element.setAttribute("tabindex", "-1");
    element.focus();
  }

  function announce(text) {
    let region = document.getElementById("swap-announcement");
    if (!region) {
      region = document.createElement("div");
      region.id = "swap-announcement";
      region.className = "visually-hidden";
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = "";
    // A new text node after the clearing, so that a repeated text is read again.
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  // The heading of the section around the focused element, if it names the section.
  function sectionHeadingId(element) {
    const section = element && element.closest("[aria-labelledby]");
    return section ? section.getAttribute("aria-labelledby").split(" ")[0] : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    const summary = document.querySelector("[data-error-summary]");
    const conflict = document.querySelector("[data-conflict-panel] [data-focus-after-swap]");
    if (summary) {
      summary.focus();
    } else if (conflict) {
      focus(conflict);
    }

    document.body.addEventListener("htmx:beforeSwap", function (event) {
      const active = document.activeElement;
      const target = event.detail.target;
      const config = event.detail.requestConfig;
      // A browser that does not focus a clicked button leaves the focus on the body; the form sent from inside
      // the region counts then (a poller, which is no form, does not).
      const sender = config && config.elt && config.elt.matches && config.elt.matches("form, button") ? config.elt : null;
      const from = active && active !== document.body ? active : sender;
      focusWasInside = Boolean(from && target && target.contains(from));
      headingBefore = focusWasInside ? sectionHeadingId(from) : null;
    });

    // Only a swap that took the focused element away moves the focus: a poll that refreshes a list while the
    // person works elsewhere (or has not started yet) leaves the focus and the scroll position alone.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (!focusWasInside) return;
      focusWasInside = false;
      let region = event.detail.target;
      // An outerHTML swap replaced the target itself; its successor carries the same id.
      if (region && !region.isConnected && region.id) region = document.getElementById(region.id);
      if (!region) return;
      const summaryInside = region.querySelector("[data-error-summary]");
      const heading =
        summaryInside ||
        region.querySelector("[data-focus-after-swap]") ||
        (headingBefore && document.getElementById(headingBefore)) ||
        region.querySelector(HEADINGS);
      if (!heading) return;
      focus(heading);
      const messages = document.getElementById("messages");
      const news = summaryInside ? summaryInside.textContent : messages && messages.textContent.trim();
      announce((news || heading.textContent).replace(/\s+/g, " ").trim());
    });
  });
})();
