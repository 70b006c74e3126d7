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

  // Alternatives (oneOf credential fields): only the chosen one's fields
  // are shown. Without JavaScript all are, and the server reads the chosen.
  function showChosen(group) {
    group.querySelectorAll(".conn-branch").forEach(function (branch) {
      var radio = branch.querySelector("input[type=radio]");
      var fields = branch.querySelector(".conn-branch-fields");
      if (radio && fields) { fields.hidden = !radio.checked; }
    });
  }
  document.querySelectorAll("[data-alternatives]").forEach(showChosen);
  document.addEventListener("change", function (event) {
    var group = event.target.closest && event.target.closest("[data-alternatives]");
    if (group && event.target.type === "radio") { showChosen(group); }
  });

  // Buttons that only exist for people without JavaScript.
  document.documentElement.classList.add("js");
})();
