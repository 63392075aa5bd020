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
    box.hidden = false;
    form.querySelector("button[type=submit]").disabled = true;
    window.setInterval(function () {
      fetch(form.dataset.progressUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (state.done) {
            text.textContent = label + " " + state.done.toLocaleString();
          }
        })
        .catch(function () {});
    }, 1000);
  });
})();
