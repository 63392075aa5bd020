// Printing: the "Print" buttons, and folded figure tables opened on paper.
// Kept in a static file so that pages need no inline script.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-action=print]").forEach((button) => {
    button.addEventListener("click", () => {
      // Charts below the fold are drawn only when seen: draw them all first.
      const ready = window.portalCharts ? window.portalCharts.drawAll() : Promise.resolve();
      ready.then(() => window.print());
    });
  });
});
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details.print-open:not([open])").forEach((details) => {
    details.setAttribute("open", "");
    details.dataset.openedForPrint = "true";
  });
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details[data-opened-for-print]").forEach((details) => {
    details.removeAttribute("open");
    delete details.dataset.openedForPrint;
  });
});
