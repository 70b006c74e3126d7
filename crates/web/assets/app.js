// frontdesk: small progressive enhancements. Every page works without it.
(function () {
  "use strict";

  // Forms and buttons that ask before doing something final.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) ||
      form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // A second click while the first post is on its way sends nothing.
    if (form.getAttribute("data-sending") === "1") {
      event.preventDefault();
      return;
    }
    if ((form.method || "").toLowerCase() === "post") {
      form.setAttribute("data-sending", "1");
      window.setTimeout(function () { form.removeAttribute("data-sending"); }, 8000);
    }
  }, true);

  // Selects that apply at once (the organization switcher, sort menus).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });

  // Buttons that only exist for people without JavaScript.
  document.documentElement.classList.add("js");
})();
