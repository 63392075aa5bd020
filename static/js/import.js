// The import page: while the server checks an uploaded file, show how far it got.
(function () {
  "use strict";
  const form = document.querySelector(".import-form");
  if (!form) {
    return;
  }
  form.addEventListener("submit", function () {
    const box = form.querySelector(".import-progress");
    const text = form.querySelector(".import-progress-text");
    const label = text.textContent;
    const bar = form.querySelector(".import-progress-bar");
    box.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    window.setInterval(function () {
      fetch(form.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (!state.done) {
            return;
          }
          if (state.total) {
            // Rows checked of all the file's rows: a bar that fills.
            const percent = Math.min(100, Math.round((100 * state.done) / state.total));
            bar.classList.remove("progress-bar-animated");
            bar.style.width = percent + "%";
            bar.parentElement.setAttribute("aria-valuenow", String(percent));
            text.textContent = label + " " + state.done.toLocaleString() + " / " +
              state.total.toLocaleString() + " (" + percent + "%)";
          } else {
            text.textContent = label + " " + state.done.toLocaleString();
          }
        })
        .catch(function () {});
    }, 1000);
  });
})();
