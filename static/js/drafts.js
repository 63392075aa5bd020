// Drafts: what a person types into a form is kept in the browser's session
// storage until the form has been saved, so that nothing is lost when the portal
// refuses the request (too large, expired form token, database down) or the
// signed-in pages, which browsers may not keep (Cache-Control: no-store), are
// reached again with the back button.
//
// - Each text field of a POST form is saved as it is typed, under the form's
//   page and the field's name.
// - Sending the form marks its page as sent. The next page the browser shows
//   clears the drafts of a sent form, unless it is one of the portal's error
//   pages that keep work ([data-keep-drafts]) or the form again with errors.
// - When a form page opens with drafts its fields do not hold, they are put
//   back and a note says so, with a button to throw them away.
// - Logging out (the form sent to the layout's data-logout-url) throws every
//   draft away, so that the next person at a shared computer does not find them.
(() => {
  "use strict";
  const PREFIX = "portal-draft:";
  const SENT = "portal-draft-sent";
  let store;
  try {
    store = window.sessionStorage;
    store.setItem(PREFIX + "probe", "1");
    store.removeItem(PREFIX + "probe");
  } catch (error) {
    return; // No storage (private mode, disabled): the browser's own form memory.
  }

  const fieldsOf = (form) =>
    Array.from(form.elements).filter(
      (field) =>
        field.name &&
        field.name !== "csrfmiddlewaretoken" &&
        (field.tagName === "TEXTAREA" ||
          (field.tagName === "INPUT" &&
            ["text", "number", "date", "search", "url", "email", "tel", ""].includes(
              field.type
            )))
    );
  const keyOf = (page, field) => `${PREFIX}${page}|${field.name}`;
  const draftsOf = (page) =>
    Object.keys(store).filter((key) => key.startsWith(`${PREFIX}${page}|`));

  const clearSent = () => {
    const sent = store.getItem(SENT);
    if (!sent) {
      return;
    }
    const keep =
      document.querySelector("[data-keep-drafts]") ||
      (sent === window.location.pathname &&
        document.querySelector(".is-invalid, .errorlist, .alert-danger"));
    if (!keep) {
      draftsOf(sent).forEach((key) => store.removeItem(key));
    }
    store.removeItem(SENT);
  };

  const restore = (form, page) => {
    let restored = 0;
    fieldsOf(form).forEach((field) => {
      const draft = store.getItem(keyOf(page, field));
      if (draft !== null && draft !== field.value) {
        field.value = draft;
        restored += 1;
      }
    });
    if (!restored) {
      return;
    }
    const note = document.createElement("div");
    note.className = "alert alert-info d-flex flex-wrap gap-2 align-items-center";
    note.setAttribute("role", "status");
    // The words come translated from the layout (templates/base.html).
    note.textContent = `${document.body.dataset.draftRestored || ""} `;
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-secondary";
    discard.textContent = document.body.dataset.draftDiscard || "×";
    discard.addEventListener("click", () => {
      draftsOf(page).forEach((key) => store.removeItem(key));
      window.location.reload();
    });
    note.appendChild(discard);
    form.prepend(note);
  };

  document.addEventListener("DOMContentLoaded", () => {
    clearSent();
    const logout = document.body.dataset.logoutUrl;
    const isLogout = (form) =>
      Boolean(logout) && new URL(form.action, window.location.href).pathname === logout;
    document.querySelectorAll("form").forEach((form) => {
      if (!isLogout(form)) {
        return;
      }
      form.addEventListener("submit", () => {
        Object.keys(store)
          .filter((key) => key.startsWith(PREFIX))
          .forEach((key) => store.removeItem(key));
      });
    });
    const page = window.location.pathname;
    document.querySelectorAll("form[method=post i]").forEach((form) => {
      if (
        form.dataset.noDrafts !== undefined ||
        isLogout(form) ||
        !fieldsOf(form).length
      ) {
        return;
      }
      if (!form.querySelector(".is-invalid, .errorlist")) {
        restore(form, page);
      }
      form.addEventListener("input", (event) => {
        const field = event.target;
        if (fieldsOf(form).includes(field)) {
          store.setItem(keyOf(page, field), field.value);
        }
      });
      form.addEventListener("submit", () => store.setItem(SENT, page));
    });
  });
})();
