// The export job page: polls the job's state and moves the progress bar; reloads the page
// once the job has finished (the download link, or the failure, then shows). Without
// JavaScript the page refreshes itself (<noscript> meta refresh) and has a Refresh link.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || box.dataset.finished === "true") { return; }
  var bar = document.getElementById("export-progress");
  var state = document.getElementById("export-state");
  var count = document.getElementById("export-count");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { window.setTimeout(poll, 5000); return; }
        if (job.finished) { window.location.reload(); return; }
        bar.setAttribute("aria-valuenow", job.percent);
        bar.firstElementChild.style.width = job.percent + "%";
        bar.firstElementChild.textContent = job.percent + "%";
        if (state.textContent !== job.label) { state.textContent = job.label; }
        if (count && count.textContent !== job.detail) { count.textContent = job.detail; }
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
