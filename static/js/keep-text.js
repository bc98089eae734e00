// Nothing typed is lost, errors are in sight, replies keep their context.
// Progressive enhancement only: every link and form here also works without JavaScript
// (docs/architecture.md, "Nothing typed is lost"). No inline code: the CSP allows 'self' only.
(function () {
  "use strict";

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, (match, key) =>
      key in values ? values[key] : match
    );
  }

  // (1) Errors in sight: the error summary takes the focus, its links focus their field.
  function focusField(id) {
    const field = document.getElementById(id);
    if (!field) {
      return false;
    }
    const fieldset = field.closest("fieldset");
    const legend = fieldset && fieldset.querySelector("legend");
    const label = legend || document.querySelector('label[for="' + id + '"]');
    (label || field).scrollIntoView({ block: "start" });
    field.focus({ preventScroll: true });
    return true;
  }

  function setupSummary(summary) {
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (link && focusField(link.getAttribute("href").slice(1))) {
        event.preventDefault();
      }
    });
  }

  function showSummary(form, title, problems) {
    // The same box as the server's errors_summary macro, for a problem found in the browser.
    let summary = form.previousElementSibling;
    if (!summary || !summary.matches("[data-error-summary]")) {
      summary = document.createElement("div");
      summary.className = "alert alert-danger error-summary";
      summary.setAttribute("role", "alert");
      summary.setAttribute("tabindex", "-1");
      summary.dataset.errorSummary = "";
      summary.id = "error-summary-js";
      form.parentNode.insertBefore(summary, form);
      setupSummary(summary);
    }
    summary.setAttribute("aria-labelledby", summary.id + "-title");
    summary.innerHTML = "";
    const heading = document.createElement("h2");
    heading.className = "h5 alert-heading";
    heading.id = summary.id + "-title";
    heading.textContent = title;
    const list = document.createElement("ul");
    list.className = "mb-0 error-summary-list";
    problems.forEach((problem) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.className = "alert-link";
      link.href = "#" + problem.id;
      link.textContent = problem.text;
      item.appendChild(link);
      list.appendChild(item);
    });
    summary.append(heading, list);
    summary.focus();
  }

  // (2) A too-large attachment is refused before it is uploaded, at its field.
  function humanSize(bytes) {
    // As consult/recovery.py human_size: "10 MB", "512 KB".
    const lang = document.documentElement.lang || "id";
    const format = (value) => new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(value);
    return bytes >= 1048576 ? format(bytes / 1048576) + " MB" : format(bytes / 1024) + " KB";
  }

  function setupFileLimit(input) {
    const max = Number(input.dataset.maxBytes);
    const form = input.form;
    if (!max || !form) {
      return;
    }
    const tooLarge = () => {
      const file = input.files && input.files[0];
      return file && file.size > max ? file : null;
    };
    const message = (file) =>
      fill(input.dataset.tooLarge, { size: humanSize(file.size), limit: humanSize(max) });
    const show = (file) => {
      let error = document.getElementById(input.id + "-client-error");
      const described = (input.getAttribute("aria-describedby") || "")
        .split(" ")
        .filter((id) => id && id !== input.id + "-client-error");
      if (!file) {
        if (error) {
          error.remove();
          input.classList.remove("is-invalid");
          input.removeAttribute("aria-invalid");
          input.setAttribute("aria-describedby", described.join(" "));
        }
        return;
      }
      if (!error) {
        error = document.createElement("div");
        error.id = input.id + "-client-error";
        error.className = "invalid-feedback d-block";
        input.parentNode.appendChild(error);
      }
      error.textContent = message(file);
      input.classList.add("is-invalid");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", described.concat(error.id).join(" "));
    };
    input.addEventListener("change", () => show(tooLarge()));
    form.addEventListener("submit", (event) => {
      const file = tooLarge();
      if (!file) {
        return;
      }
      event.preventDefault();
      show(file);
      const label = document.querySelector('label[for="' + input.id + '"]');
      const text = (label ? label.textContent.trim() + ": " : "") + message(file);
      showSummary(form, input.dataset.summaryTitle, [{ id: input.id, text: text }]);
    });
  }

  // (3) Choosing a paragraph or a reply changes the comment form in place: no reload, nothing
  // typed lost. The links still lead to ?paragraph=N / ?reply_to=N without JavaScript, where
  // the form's own "About" select changes the paragraph and the reply's "Cancel" is a submit
  // button that brings the form back with its text (consult/feedback/views.py, CANCEL_REPLY).
  function setupCommentContext(section) {
    const form = section.querySelector("form");
    const heading = section.querySelector("#comment-form-heading");
    if (!form || !heading || !form.elements.body) {
      return;
    }
    const paragraph = form.elements.paragraph_index; // the "About" select
    const paragraphChoice = form.querySelector(".paragraph-choice");
    const parent = form.elements.parent_id;
    const home = document.createElement("div");
    home.hidden = true;
    section.parentNode.insertBefore(home, section);
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    heading.after(status);
    let cancel = form.querySelector(".js-cancel-context");
    if (!cancel) {
      // A plain button: handled here, it never sends the form.
      cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "btn btn-link js-cancel-context";
      cancel.textContent = section.dataset.cancel;
      form.querySelector("[type=submit]").after(cancel);
    }

    function describe() {
      if (parent && parent.value) {
        const article = document.getElementById("comment-" + parent.value);
        const author = article && article.querySelector(".small strong");
        return author
          ? fill(section.dataset.replyHeading, { name: author.textContent.trim() })
          : section.dataset.replyGeneric;
      }
      if (paragraph && paragraph.value !== "") {
        return fill(section.dataset.paragraphHeading, { n: Number(paragraph.value) + 1 });
      }
      return section.dataset.commentHeading;
    }

    function place() {
      const article = parent && parent.value && document.getElementById("comment-" + parent.value);
      // Moved only when elsewhere: moving it would take the focus from the field in use.
      const anchor = article || home;
      if (anchor.nextElementSibling !== section) {
        anchor.after(section); // with a reply, right under the comment being answered
      }
      section.classList.toggle("ms-md-4", Boolean(article));
      const quote = section.querySelector("#reply-quote");
      if (quote) {
        quote.hidden = Boolean(article) || quote.dataset.parent !== (parent ? parent.value : "");
      }
      const text = describe();
      heading.textContent = text;
      // The paragraph is changed with the select, so "Cancel" is only for a reply.
      const replying = Boolean(parent && parent.value);
      cancel.hidden = !replying;
      if (paragraphChoice) {
        paragraphChoice.hidden = replying && !paragraphChoice.querySelector("[aria-invalid=true]");
      }
      return text;
    }

    function choose(kind, value) {
      if (paragraph) {
        paragraph.value = kind === "paragraph" ? value : "";
      }
      if (parent) {
        parent.value = kind === "reply" ? value : "";
      }
      status.textContent = place();
      // Saved with the draft (rembuk.js), so a reload or a lost session keeps the context too.
      form.elements.body.dispatchEvent(new Event("input", { bubbles: true }));
      form.elements.body.focus();
    }

    if (paragraph) {
      // The heading follows the select; the focus stays on it (no change of context on input).
      paragraph.addEventListener("change", () => {
        place();
      });
    }

    document.addEventListener("click", (event) => {
      const link = event.target.closest("a, button");
      if (!link) {
        return;
      }
      if (link.matches(".js-choose-paragraph")) {
        event.preventDefault();
        choose("paragraph", link.dataset.paragraph);
      } else if (link.matches("article a[href^='?reply_to=']")) {
        event.preventDefault();
        choose("reply", new URLSearchParams(link.getAttribute("href").split("#")[0]).get("reply_to"));
      } else if (link === cancel) {
        event.preventDefault();
        choose(null, "");
      }
    });
    place();
  }

  function init() {
    const summaries = document.querySelectorAll("[data-error-summary]");
    summaries.forEach(setupSummary);
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(setupFileLimit);
    const section = document.getElementById("comment-form");
    if (section) {
      setupCommentContext(section);
    }
    if (summaries.length) {
      // Focus, and jump to it at once: Bootstrap's smooth scrolling would leave the error
      // out of sight for a while. Late layout (fonts, scripts enhancing the page above) can
      // push it away again, so once the page has loaded it is brought back while focused.
      const summary = summaries[0];
      const bringIntoSight = function () {
        summary.scrollIntoView({ block: "start", behavior: "instant" });
      };
      summary.focus({ preventScroll: true });
      bringIntoSight();
      window.addEventListener("load", function () {
        if (document.activeElement === summary) {
          bringIntoSight();
        }
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
