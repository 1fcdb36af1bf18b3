// Buttons with data-confirm ask before their form is sent (作废, 退单, 结案 cannot be taken back).
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var button = ev.submitter || (ev.target && ev.target.querySelector("[data-confirm]"));
    var message = button && button.getAttribute && button.getAttribute("data-confirm");
    if (message && !window.confirm(message)) ev.preventDefault();
  }, true);
})();
