/*
 * Evidence photos open in a lightbox: a native <dialog> with the photo, its
 * caption and a close button (Escape closes it too). Without this script, or
 * with a modifier key held, the link opens the photo itself.
 * Labels come from the list's data attributes (translated by the template).
 */
(function () {
  "use strict";

  var dialog = null;

  function build(labels) {
    dialog = document.createElement("dialog");
    dialog.className = "evidence-lightbox";
    dialog.setAttribute("aria-label", labels.title || "Photo");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn btn-light btn-sm evidence-close";
    close.textContent = labels.close || "Close";
    close.addEventListener("click", function () {
      dialog.close();
    });
    var figure = document.createElement("figure");
    figure.className = "mb-0";
    var image = document.createElement("img");
    var caption = document.createElement("figcaption");
    caption.className = "small mt-2";
    figure.appendChild(image);
    figure.appendChild(caption);
    dialog.appendChild(close);
    dialog.appendChild(figure);
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) {
        dialog.close();
      }
    });
    document.body.appendChild(dialog);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.evidence-open");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button) {
      return;
    }
    var list = link.closest("[data-lightbox-close]");
    if (typeof HTMLDialogElement === "undefined" || !list) {
      return;
    }
    event.preventDefault();
    if (!dialog) {
      build({ close: list.dataset.lightboxClose, title: list.dataset.lightboxTitle });
    }
    var thumb = link.querySelector("img");
    var image = dialog.querySelector("img");
    image.src = link.href;
    image.alt = thumb ? thumb.alt : "";
    dialog.querySelector("figcaption").textContent = link.dataset.caption || "";
    dialog.showModal();
    dialog.querySelector(".evidence-close").focus();
  });
})();
