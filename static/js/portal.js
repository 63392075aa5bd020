/*
 * Small helps on every page; each page works without them.
 *
 * - Menus folded in <details> (the main menu below 1200 px, the account menu)
 *   close with Escape or a click elsewhere, as people expect of a menu.
 * - A form's error summary ([data-error-summary], templates/includes/
 *   error_summary.html) takes the focus when the page opens, so a screen reader
 *   reads it first; its links move the focus to the field they name.
 */
(function () {
  "use strict";

  var MENUS = "details.nav-fold[open], details.user-menu[open]";

  function closeMenus(except) {
    var open = document.querySelectorAll(MENUS);
    for (var i = 0; i < open.length; i++) {
      if (!except || !open[i].contains(except)) {
        open[i].removeAttribute("open");
      }
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var menu = document.activeElement && document.activeElement.closest(MENUS);
    closeMenus(null);
    if (menu) {
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    closeMenus(event.target);
  });

  function focusSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) {
      return;
    }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var label = document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusSummary);
  } else {
    focusSummary();
  }
})();
