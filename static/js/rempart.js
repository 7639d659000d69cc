// Rempart: progressive enhancements only; every page works without this file.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy-target]");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy-target"));
  if (source && navigator.clipboard) { navigator.clipboard.writeText(source.textContent.trim()); }
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
// Tables: the header checkbox selects every row of the page for a bulk action.
document.addEventListener("change", function (event) {
  var box = event.target;
  var field = box.getAttribute && box.getAttribute("data-select-all");
  if (!field) { return; }
  var form = box.closest("form") || document;
  form.querySelectorAll('input[type="checkbox"][name="' + field + '"]').forEach(function (row) {
    row.checked = box.checked;
  });
});
// Tables: on a phone, the filters start folded unless some are in use.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.matchMedia("(max-width: 575.98px)").matches) { return; }
  var used = Array.from(new URLSearchParams(window.location.search).keys()).some(function (key) {
    return ["sort", "page", "per_page"].indexOf(key) < 0;
  });
  if (used) { return; }
  document.querySelectorAll("details.rempart-filters-box").forEach(function (box) {
    box.removeAttribute("open");
  });
});
