// The work plan form's running total of weights, which must reach exactly 100.
document.addEventListener("DOMContentLoaded", () => {
  const output = document.getElementById("plan-total");
  if (!output) return;
  const form = output.closest("form");
  const update = () => {
    let total = 0;
    form.querySelectorAll("tbody tr").forEach((row) => {
      const weight = row.querySelector("input.plan-weight");
      const deleted = row.querySelector("input[name$='-DELETE']");
      if (weight && weight.value && !(deleted && deleted.checked)) {
        total += Number(weight.value) || 0;
      }
    });
    const rounded = Math.round(total * 100) / 100;
    output.textContent = rounded.toFixed(2) + "%";
    output.classList.toggle("text-danger", rounded !== 100);
    output.classList.toggle("text-success", rounded === 100);
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
});
