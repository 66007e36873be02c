/* Safespace: emergency exit (modelled on GOV.UK "Exit this page").
 * The button is a plain link, so it works without JavaScript; with it, the page
 * is hidden at once and the location replaced, so Back does not return here.
 * Pressing Shift three times within two seconds does the same; in her own space
 * (body[data-exit-on-escape]), so does Escape. */
(function () {
  "use strict";

  function exitNow(url) {
    document.documentElement.classList.add("is-exiting");
    document.title = "";
    window.location.replace(url);
  }

  function exitUrl() {
    var button = document.querySelector("[data-exit-url]");
    return button ? button.getAttribute("data-exit-url") : null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-exit-url]");
    if (!button) return;
    event.preventDefault();
    exitNow(button.getAttribute("data-exit-url"));
  });

  var shiftTimes = [];
  document.addEventListener("keydown", function (event) {
    // Escape also closes an input method's suggestions: only a plain Escape leaves
    if (event.key === "Escape" && !event.isComposing && event.keyCode !== 229 &&
        document.body.hasAttribute("data-exit-on-escape")) {
      var escapeUrl = exitUrl();
      if (escapeUrl) exitNow(escapeUrl);
      return;
    }
    if (event.key !== "Shift" || event.repeat) return;
    var now = Date.now();
    shiftTimes = shiftTimes.filter(function (t) { return now - t < 2000; });
    shiftTimes.push(now);
    if (shiftTimes.length >= 3) {
      var url = exitUrl();
      if (url) exitNow(url);
    }
  });

  // Invitation QR codes carry the code after '#', which never reaches the server:
  // fill it in, then drop it from the address bar and history.
  var invitationForm = document.querySelector("[data-invitation-form]");
  if (invitationForm && window.location.hash.length > 1) {
    var codeField = invitationForm.querySelector("input[name=code]");
    if (codeField) codeField.value = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
  }

  // At the drop-in desk, Enter on a ticked choice saves the visit, as it does in a text
  // box: a visit is logged from the keyboard without tabbing past every service.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var field = event.target;
    if (!field.matches || !field.matches("form[data-enter-submits] input[type=checkbox], form[data-enter-submits] input[type=radio]")) return;
    event.preventDefault();
    field.form.requestSubmit();
  });

  // Back/forward cache would show the page again: hide it if restored from there.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.documentElement.classList.contains("is-exiting")) {
      var url = exitUrl();
      if (url) window.location.replace(url);
    }
  });
})();
