/* The live room: poll the state with If-None-Match (a 304 costs almost nothing), every
   1.5 s. When the moderator steps, the page reloads (server-rendered, as without JS); when
   votes arrive, the presenter redraws its bars from the JSON. Phones vote without reloading. */
(function () {
  "use strict";
  const EVERY = 1500;

  function drawResults(container, results) {
    container.querySelectorAll(".live-criterion").forEach((section) => {
      const result = results.find((r) => String(r.id) === section.dataset.criterion);
      if (!result) { return; }
      section.querySelector(".live-mean-value").textContent =
        result.mean === null ? "—" : result.mean.toFixed(2);
      const top = Math.max(1, ...result.distribution);
      section.querySelectorAll(".live-bars li").forEach((row, index) => {
        const count = result.distribution[index] || 0;
        row.querySelector(".live-bar").style.width = Math.round(count / top * 100) + "%";
        row.querySelector(".live-bar-count").textContent = String(count);
      });
      const label = section.querySelector(".live-count");
      label.textContent = label.textContent.replace(/\d+/, String(result.count));
    });
  }

  function follow(root) {
    const url = root.dataset.liveUrl;
    const step = Number(root.dataset.step);
    let etag = null;
    async function tick() {
      try {
        const headers = etag ? { "If-None-Match": etag } : {};
        const response = await fetch(url, { headers, credentials: "same-origin", cache: "no-cache" });
        if (response.status === 200) {
          etag = response.headers.get("ETag");
          const state = await response.json();
          if (state.step !== step) { window.location.reload(); return; }
          const container = document.getElementById("live-results");
          if (container && state.results) { drawResults(container, state.results); }
        }
      } catch (error) { /* a dropped request: the next tick tries again */ }
      setTimeout(tick, EVERY);
    }
    setTimeout(tick, EVERY);
  }

  function voteInPlace(form) {
    form.addEventListener("submit", async (event) => {
      const button = event.submitter;
      if (!button || !window.fetch) { return; }
      event.preventDefault();
      const data = new FormData(form);
      data.set("value", button.value);
      try {
        const response = await fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        const answer = await response.json();
        if (!answer.ok) { window.location.reload(); return; }
        form.querySelectorAll(".room-value").forEach((other) => {
          const chosen = other === button;
          other.classList.toggle("btn-primary", chosen);
          other.classList.toggle("btn-outline-primary", !chosen);
          other.setAttribute("aria-pressed", chosen ? "true" : "false");
        });
      } catch (error) { form.submit(); }
    });
  }

  function fullscreen() {
    const button = document.querySelector("[data-fullscreen]");
    if (!button || !document.documentElement.requestFullscreen) { return; }
    button.hidden = false;
    button.addEventListener("click", () => document.documentElement.requestFullscreen());
  }

  window.RembukLive = {
    init() {
      document.querySelectorAll("[data-live-url]").forEach(follow);
      document.querySelectorAll("form.room-vote").forEach(voteInPlace);
      fullscreen();
    },
  };
})();
