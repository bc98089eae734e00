// The section rating view: each choice is saved as soon as it is made (progressive
// enhancement; without JavaScript the "Save all ratings" button saves the whole form).
// The messages come translated from the form's data attributes.
(function () {
  "use strict";

  function show(card, text, kind) {
    const box = card.querySelector(".section-rating-status");
    if (!box) {
      return;
    }
    box.setAttribute("role", kind === "danger" ? "alert" : "status");
    box.textContent = "";
    const message = document.createElement("span");
    message.className = "badge rating-saved text-bg-" + kind;
    message.textContent = text;
    box.appendChild(message);
  }

  function setup(form) {
    if (!window.fetch || !window.FormData) {
      return;
    }
    const token = form.querySelector("input[name=csrf_token]");
    form.addEventListener("change", (event) => {
      const input = event.target;
      if (!input.matches("input[type=radio]") || !input.checked) {
        return;
      }
      const card = input.closest(".strategy-rating") || form;
      const body = new FormData();
      if (token) {
        body.append("csrf_token", token.value);
      }
      body.append(input.name, input.value);
      window
        .fetch(form.action, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch", Accept: "application/json" },
        })
        .then((response) => response.json().then((data) => ({ ok: response.ok, data: data })))
        .then((result) => {
          if (result.ok && result.data.saved) {
            show(card, form.dataset.saved, "success");
            input.setAttribute("aria-invalid", "false");
          } else {
            show(card, form.dataset.failed, "danger");
          }
        })
        .catch(() => show(card, form.dataset.failed, "danger"));
    });
  }

  function init() {
    document.querySelectorAll("form[data-section-rating]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
