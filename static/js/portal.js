/*
 * Small helps on every page; each page works without them.
 *
 * - Menus folded in <details> (the main menu below 1200 px, the account menu)
 *   close with Escape or a click elsewhere, as people expect of a menu.
 * - A table that scrolls sideways in its box (.table-responsive, on a phone) is
 *   made a labelled region in the tab order, so a keyboard can scroll it.
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

  function labelScrollers() {
    var boxes = document.querySelectorAll(".table-responsive");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth <= box.clientWidth || box.hasAttribute("tabindex")) {
        continue;
      }
      var caption = box.querySelector("caption");
      var heading = box.closest("section") && box.closest("section").querySelector("h2, h3");
      var label = (caption || heading || document.querySelector("h1")).textContent;
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", label.replace(/\s+/g, " ").trim());
    }
  }

  function start() {
    labelScrollers();
    focusSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
