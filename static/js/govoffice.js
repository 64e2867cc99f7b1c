/* Small enhancements; every page works without them. */
(function () {
  "use strict";

  function initChart(chart) {
    var tree = chart.querySelector("[data-org-tree]");
    var tools = chart.querySelector("[data-chart-tools]");
    if (!tree || !tools) return;
    var input = tools.querySelector("input[type=search]");
    var status = tools.querySelector("[data-filter-status]");
    var items = Array.prototype.slice.call(tree.querySelectorAll("li[data-unit]"));
    var details = Array.prototype.slice.call(tree.querySelectorAll("details"));
    tools.hidden = false;

    function setAll(open) {
      details.forEach(function (d) { d.open = open; });
    }
    tools.querySelector("[data-expand-all]").addEventListener("click", function () { setAll(true); });
    tools.querySelector("[data-collapse-all]").addEventListener("click", function () { setAll(false); });

    function normalise(text) {
      return text.toLowerCase().replace(/\s+/g, " ").trim();
    }

    function filter() {
      var query = normalise(input.value);
      items.forEach(function (item) { item.classList.remove("is-match", "is-on-path"); });
      if (!query) {
        tree.classList.remove("is-filtered");
        status.textContent = "";
        return;
      }
      var count = 0;
      items.forEach(function (item) {
        if (normalise(item.getAttribute("data-search")).indexOf(query) === -1) return;
        count += 1;
        item.classList.add("is-match");
        var parent = item.parentElement && item.parentElement.closest("li[data-unit]");
        while (parent) {
          parent.classList.add("is-on-path");
          var box = parent.querySelector(":scope > details");
          if (box) box.open = true;
          parent = parent.parentElement && parent.parentElement.closest("li[data-unit]");
        }
      });
      tree.classList.add("is-filtered");
      var template = count === 0 ? status.dataset.none : count === 1 ? status.dataset.one : status.dataset.many;
      status.textContent = template.replace("{count}", count);
    }
    input.addEventListener("input", filter);
    input.addEventListener("search", filter);
    if (input.value) filter();

    // On paper every unit shows; the reader's own open/closed choices come back afterwards.
    var remembered = null;
    window.addEventListener("beforeprint", function () {
      remembered = details.map(function (d) { return d.open; });
      setAll(true);
    });
    window.addEventListener("afterprint", function () {
      if (!remembered) return;
      details.forEach(function (d, i) { d.open = remembered[i]; });
      remembered = null;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-org-chart]"), initChart);
  });
})();
