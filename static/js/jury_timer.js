// Jury mode's session page. The timer of the running pitch ([data-jury-timer]): from data-started-at (ISO) and
// data-pitch-seconds / data-qa-seconds it counts "noch 04:12 Pitch", then "Fragen: noch 10:00", then "Zeit
// überschritten" (the wording comes translated from the server, "%(time)s" filled in). Without JavaScript the
// server's start time and planned lengths stay. Every tick looks the timers up again, because the polled part of
// the page (data-jury-live) is replaced every few seconds. A poll is skipped while the focus is inside that part,
// so a keyboard user's focus is never taken away by a refresh.
(function () {
  "use strict";

  function clock(seconds) {
    const minutes = Math.floor(seconds / 60);
    const rest = Math.floor(seconds % 60);
    return String(minutes).padStart(2, "0") + ":" + String(rest).padStart(2, "0");
  }

  function filled(template, time) {
    return (template || "").replace("%(time)s", time);
  }

  function update(timer) {
    const started = Date.parse(timer.dataset.startedAt);
    if (Number.isNaN(started)) {
      return;
    }
    const pitch = Number(timer.dataset.pitchSeconds) || 0;
    const qa = Number(timer.dataset.qaSeconds) || 0;
    const elapsed = Math.max(0, (Date.now() - started) / 1000);
    let text;
    if (elapsed < pitch) {
      text = filled(timer.dataset.pitchText, clock(pitch - elapsed));
    } else if (elapsed < pitch + qa) {
      text = filled(timer.dataset.qaText, clock(pitch + qa - elapsed));
    } else {
      text = timer.dataset.overText;
    }
    if (timer.textContent !== text) {
      timer.textContent = text;
    }
  }

  function tick() {
    document.querySelectorAll("[data-jury-timer]").forEach(update);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    const live = event.target.closest && event.target.closest("[data-jury-live]");
    if (live && event.target === live && live.contains(document.activeElement)) {
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSwap", tick);
  tick();
  window.setInterval(tick, 1000);
})();
