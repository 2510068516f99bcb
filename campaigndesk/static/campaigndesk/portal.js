/*
 * CampaignDesk public portal: the little JavaScript the citizens' pages use.
 * Everything works without it. No inline scripts (the CSP forbids them).
 *
 *   data-print   on a <button hidden>: shows the button and prints the page when
 *                it is pressed (the suggestion receipt). Without JavaScript the
 *                button stays hidden; the browser's own Print still works.
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("[data-print]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        window.print();
      });
    }
  });
})();
