// Progressive enhancement only: every action also works without JavaScript.
// Texts shown by this script come translated from base.html (#rembuk-strings).
(function () {
  "use strict";

  const strings = (document.getElementById("rembuk-strings") || { dataset: {} }).dataset;

  // Buttons that change something important ask first.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // A polite message for screen readers and sighted users, next to what it is about.
  function announce(container, text, kind) {
    let box = container.querySelector(":scope > .js-status");
    if (!box) {
      box = document.createElement("div");
      box.className = "js-status mt-2";
      box.setAttribute("role", kind === "danger" ? "alert" : "status");
      container.appendChild(box);
    }
    box.innerHTML = "";
    const message = document.createElement("div");
    message.className = "alert alert-" + kind + " py-2 mb-0";
    message.textContent = text;
    box.appendChild(message);
  }

  // (a) Comment drafts: whatever is typed is kept in this browser until it is posted.
  const DRAFT_PREFIX = "rembuk-draft:";
  const PENDING_KEY = "rembuk-draft-pending";

  function storage(kind) {
    try {
      const store = window[kind];
      const probe = "__rembuk";
      store.setItem(probe, probe);
      store.removeItem(probe);
      return store;
    } catch (error) {
      return null;
    }
  }

  const local = storage("localStorage");
  const session = storage("sessionStorage");

  // What a comment is about (a paragraph, a reply): kept with its draft, not in its key, so that
  // choosing a paragraph or a reply never makes a draft unreachable (keep-text.js).
  const CONTEXT_FIELDS = ["paragraph_index", "parent_id"];

  function draftKey(form) {
    // One draft per form (per target); its context travels inside it.
    return DRAFT_PREFIX + form.getAttribute("action");
  }

  function draftFields(form) {
    return Array.from(form.querySelectorAll("textarea[name]"));
  }

  function readDraft(key) {
    try {
      return JSON.parse(local.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function pendingKeys() {
    try {
      return JSON.parse(session.getItem(PENDING_KEY) || "[]");
    } catch (error) {
      return [];
    }
  }

  function setupDraft(form) {
    const key = form.dataset.draftKey;
    const fields = draftFields(form);
    const draft = readDraft(key);
    const empty = fields.every((field) => !field.value.trim());
    if (draft && empty) {
      let restored = false;
      fields.forEach((field) => {
        if (draft[field.name]) {
          field.value = draft[field.name];
          restored = true;
        }
      });
      if (restored) {
        CONTEXT_FIELDS.forEach((name) => {
          const input = form.elements[name];
          if (input && !input.value && draft["_" + name]) {
            input.value = draft["_" + name];
          }
        });
        announce(form, strings.draftRestored || "Draft restored.", "info");
      }
    }
    let timer = null;
    const save = () => {
      const values = {};
      let any = false;
      fields.forEach((field) => {
        values[field.name] = field.value;
        any = any || Boolean(field.value.trim());
      });
      CONTEXT_FIELDS.forEach((name) => {
        if (form.elements[name] && form.elements[name].value) {
          values["_" + name] = form.elements[name].value;
        }
      });
      if (any) {
        local.setItem(key, JSON.stringify(values));
      } else {
        local.removeItem(key);
      }
    };
    form.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 300);
    });
    form.addEventListener("submit", () => {
      save();
      // Forgotten only once the server has accepted it (see settleDrafts).
      const pending = pendingKeys().filter((other) => other !== key);
      pending.push(key);
      session.setItem(PENDING_KEY, JSON.stringify(pending));
    });
  }

  function settleDrafts() {
    // After a submit a draft is forgotten only when it surely arrived: a comment when the server
    // says so (the "draft-sent" message), another form when it comes back without errors. An
    // expired session or a too-large file (data-keep-drafts), a login page on the way, a form
    // shown again with errors: the draft stays, to be put back.
    const kept = [];
    const sent = document.querySelector(".flash-area .draft-sent");
    const keepAll = document.querySelector("[data-keep-drafts]");
    pendingKeys().forEach((key) => {
      const form = Array.from(document.querySelectorAll("form[data-draft-key]")).find(
        (candidate) => candidate.dataset.draftKey === key
      );
      if (keepAll) {
        kept.push(key);
      } else if (sent) {
        local.removeItem(key);
      } else if (!form || form.closest("#comment-form") || form.querySelector("[aria-invalid=true]")) {
        kept.push(key);
      } else {
        local.removeItem(key);
      }
    });
    session.setItem(PENDING_KEY, JSON.stringify(kept));
  }

  // (b) Ratings without a page reload; a normal submit when anything goes wrong.
  function setupRating(form) {
    if (!window.fetch || !window.FormData) {
      return;
    }
    form.addEventListener("submit", (event) => {
      if (form.dataset.plainSubmit) {
        return;
      }
      event.preventDefault();
      const button = form.querySelector("[type=submit]");
      if (button) {
        button.disabled = true;
      }
      const fallBack = () => {
        form.dataset.plainSubmit = "1";
        form.submit();
      };
      window
        .fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-Requested-With": "fetch" },
        })
        .then((response) => {
          // The view redirects back to the strategy page: 200 after the redirect is success.
          if (response.ok && !response.url.includes("/login")) {
            if (button) {
              button.disabled = false;
            }
            form.dataset.saved = String(Date.now());
            announce(form, strings.ratingSaved || "Saved.", "success");
          } else {
            fallBack(); // shows the errors at their fields, as without JavaScript
          }
        })
        .catch(fallBack);
    });
  }

  function init() {
    if (local && session) {
      const forms = document.querySelectorAll("#comment-form form, form[data-autosave]");
      forms.forEach((form) => {
        form.dataset.draftKey = draftKey(form);
      });
      settleDrafts(); // before restoring, so a posted comment does not come back
      forms.forEach(setupDraft);
    }
    document.querySelectorAll("#ratings form[method=post], form[data-rating]").forEach(setupRating);
    document.documentElement.classList.add("js");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
