/* The FGD day, progressively enhanced: every page works without this file.
   - [data-poll-url]: replace the element's HTML with the fragment at that URL every few seconds.
   - [data-live-url]: the live room (presenter, phone) polls a small JSON state with ETags.
   - form[data-autosave]: minutes saved a moment after typing stops. */
(function () {
  "use strict";

  function pollFragment(element) {
    const url = element.dataset.pollUrl;
    const every = Number(element.dataset.pollEvery || 5000);
    let etag = null;
    async function tick() {
      try {
        const headers = etag ? { "If-None-Match": etag } : {};
        const response = await fetch(url, { headers, credentials: "same-origin" });
        if (response.status === 200) {
          etag = response.headers.get("ETag");
          element.innerHTML = await response.text();
        }
      } catch (error) { /* offline for a moment: try again on the next tick */ }
      setTimeout(tick, every);
    }
    setTimeout(tick, every);
  }

  function init() {
    document.querySelectorAll("[data-poll-url]").forEach(pollFragment);
    if (window.RembukLive) { window.RembukLive.init(); }
    if (window.RembukAutosave) { window.RembukAutosave.init(); }
  }

  window.RembukFgd = { pollFragment };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
