/* Minutes save themselves a moment after typing stops; the Save button still works without
   JavaScript. A failed save leaves the text in the box and says so. */
(function () {
  "use strict";
  const PAUSE = 1200;

  function autosave(form) {
    const status = form.querySelector(".autosave-status");
    let timer = null;
    let last = new FormData(form).get(form.querySelector("textarea").name);
    async function save() {
      const data = new FormData(form);
      const text = data.get(form.querySelector("textarea").name);
      if (text === last) { return; }
      try {
        const response = await fetch(form.action, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        const answer = await response.json();
        if (answer.ok) {
          last = text;
          status.textContent = status.dataset.saved || "✓";
        } else { status.textContent = "!"; }
      } catch (error) { status.textContent = "!"; }
    }
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(save, PAUSE);
    });
  }

  window.RembukAutosave = {
    init() { document.querySelectorAll("form[data-autosave]").forEach(autosave); },
  };
})();
