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
