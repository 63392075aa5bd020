// The import pages: while the server checks an uploaded file (the upload), or
// checks it again and saves it (the confirmation), show how far it got.
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
          if (!state.done && state.stage !== "commit") {
            return;
          }
          // The writes after the checks have a label of their own.
          const words = state.stage === "commit" && form.dataset.commitLabel
            ? form.dataset.commitLabel : label;
          if (state.total) {
            // Rows checked (or saved) of all of them: a bar that fills.
            const percent = Math.min(100, Math.round((100 * state.done) / state.total));
            bar.classList.remove("progress-bar-animated");
            bar.style.width = percent + "%";
            bar.parentElement.setAttribute("aria-valuenow", String(percent));
            text.textContent = words + " " + state.done.toLocaleString() + " / " +
              state.total.toLocaleString() + " (" + percent + "%)";
          } else {
            text.textContent = words + " " + state.done.toLocaleString();
          }
        })
        .catch(function () {});
    }, 1000);
  });
})();
