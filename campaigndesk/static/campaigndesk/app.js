/*
 * CampaignDesk: the little JavaScript the staff pages use. Everything works
 * without it; it only adds comfort. No inline scripts anywhere (the
 * Content-Security-Policy forbids them), so pages opt in with data attributes.
 *
 *   data-confirm="Question?"   on a form, or on the submit button that sends it:
 *                              asks before submitting (e.g. a delete).
 *   data-chart="some-id"       on an empty <div class="chart">: draws an ECharts
 *                              chart from the option object in the JSON element
 *                              with that id, written with Django's
 *                              {{ option|json_script:"some-id" }}. The page loads
 *                              vendor/echarts/echarts.min.js in its extra_head.
 *                              Tooltips are drawn as rich text, not HTML: ECharts'
 *                              HTML tooltips carry style="" attributes, which the
 *                              CSP blocks. For the same reason do not use the
 *                              toolbox "dataView" feature.
 *                              A data item with a `url` (a path on this site)
 *                              opens that address when clicked, e.g. a chart
 *                              segment opens the list filtered to it.
 *   data-autosubmit            on a <select> inside a form: submits the form when
 *                              the choice changes (filter bars).
 */
(function () {
  "use strict";

  // Ask before a form marked with data-confirm is sent.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var question =
        (submitter && submitter.getAttribute("data-confirm")) ||
        (form && form.getAttribute && form.getAttribute("data-confirm"));
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.matches && field.matches("select[data-autosubmit]") && field.form) {
      if (typeof field.form.requestSubmit === "function") {
        field.form.requestSubmit();
      } else {
        field.form.submit();
      }
    }
  });

  var charts = [];
  var THEME = "campaigndesk";
  var themeRegistered = false;

  // Colours and type that match app.css, so charts sit calmly in the page.
  function registerTheme() {
    if (themeRegistered) {
      return;
    }
    window.echarts.registerTheme(THEME, {
      color: ["#1d5fa8", "#2e8b57", "#d4a017", "#c0392b", "#6c7a89", "#138d90", "#8e5ea2"],
      backgroundColor: "transparent",
      textStyle: {
        fontFamily:
          '-apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", ' +
          '"Source Han Sans SC", sans-serif',
        color: "#1f2933"
      }
    });
    themeRegistered = true;
  }

  function withRichTextTooltips(option) {
    var tips = option.tooltip;
    if (!tips) {
      return option;
    }
    var list = Array.isArray(tips) ? tips : [tips];
    for (var i = 0; i < list.length; i++) {
      if (list[i] && typeof list[i] === "object") {
        list[i].renderMode = "richText";
      }
    }
    return option;
  }

  // Only paths on this site ("/..."), never another origin ("//host" or "javascript:").
  function openItemUrl(params) {
    var url = params && params.data && params.data.url;
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      window.location.href = url;
    }
  }

  function drawCharts(root) {
    if (!window.echarts || !root.querySelectorAll) {
      return;
    }
    var nodes = root.querySelectorAll("[data-chart]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (node.getAttribute("data-chart-drawn")) {
        continue;
      }
      var source = document.getElementById(node.getAttribute("data-chart"));
      if (!source) {
        continue;
      }
      var option;
      try {
        option = JSON.parse(source.textContent);
      } catch (error) {
        continue;
      }
      registerTheme();
      var chart = window.echarts.init(node, THEME, { renderer: "svg" });
      chart.setOption(withRichTextTooltips(option));
      chart.on("click", openItemUrl);
      node.setAttribute("data-chart-drawn", "1");
      charts.push(chart);
    }
  }

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      charts = charts.filter(function (chart) {
        if (chart.isDisposed() || !document.body.contains(chart.getDom())) {
          return false;
        }
        chart.resize();
        return true;
      });
    }, 150);
  });

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
  });
  // Content swapped in by htmx gets the same treatment.
  document.addEventListener("htmx:load", function (event) {
    drawCharts(event.target);
  });
})();
