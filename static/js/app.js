// Site-wide behaviour that CSP forbids inline: confirmations and htmx error display.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

document.addEventListener("htmx:responseError", function (event) {
  var box = document.getElementById("htmx-error");
  if (!box) { return; }
  var status = event.detail.xhr.status;
  box.textContent = status === 403 ? "无权执行此操作。" :
    status === 400 ? "页面已过期，请刷新后重试。" :
    status === 429 ? "操作过于频繁，请稍后再试。" : "操作未完成（错误 " + status + "），请稍后重试。";
  box.classList.remove("d-none");
});

document.addEventListener("htmx:sendError", function () {
  var box = document.getElementById("htmx-error");
  if (box) { box.textContent = "无法连接服务器，请检查网络。"; box.classList.remove("d-none"); }
});

// Park-only fields show only when the kind select says 园区.
function syncKindOnly(root) {
  var kind = root.querySelector("select[name=kind]");
  if (!kind) { return; }
  root.querySelectorAll("[data-kind-only]").forEach(function (el) {
    el.hidden = el.dataset.kindOnly !== kind.value;
  });
}
document.addEventListener("DOMContentLoaded", function () { syncKindOnly(document); });
document.addEventListener("change", function (event) {
  if (event.target.matches("select[name=kind]")) { syncKindOnly(event.target.form || document); }
});

// Opinion templates: a button fills the opinion box with the suggested wording (staff then edit it).
document.addEventListener("click", function (event) {
  var button = event.target.closest(".prefill");
  if (!button) { return; }
  var box = document.getElementById(button.dataset.target);
  if (box) { box.value = button.dataset.text; box.focus(); }
});

// A header checkbox data-check-all="name" ticks or clears every enabled checkbox of that name in its form.
document.addEventListener("change", function (event) {
  var all = event.target.closest("input[data-check-all]");
  if (!all) { return; }
  var scope = all.form || document;
  scope.querySelectorAll("input[type=checkbox][name='" + all.dataset.checkAll + "']").forEach(function (box) {
    if (!box.disabled) { box.checked = all.checked; }
  });
});

// A search typed before htmx listened (a slow link, a quick hand) is sent once it does: htmx took the typed value as
// its starting point, so "input changed" would stay silent; the search event has no such condition.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[type=search]").forEach(function (input) {
    if (input.value !== input.defaultValue) { input.dispatchEvent(new Event("search", { bubbles: true })); }
  });
});
