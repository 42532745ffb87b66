(function () {
  "use strict";
  // Filters and keyboard navigation. Reads asset data only through dataset/value (text), never as HTML.
  var statusSelect = document.getElementById("filter-status");
  var ruleSelect = document.getElementById("filter-rule");
  var textInput = document.getElementById("filter-text");
  var shown = document.getElementById("shown");
  var empty = document.getElementById("empty");
  var cards = Array.prototype.slice.call(document.querySelectorAll(".card"));
  var articles = Array.prototype.slice.call(document.querySelectorAll("article.asset"));
  var tiles = Array.prototype.slice.call(document.querySelectorAll("[data-filter-status]"));
  var problems = { error: true, fail: true, warn: true };

  function matches(el) {
    var status = statusSelect.value;
    var rule = ruleSelect.value;
    var text = textInput.value.trim().toLowerCase();
    var s = el.dataset.status;
    if (status === "problems" && !problems[s]) { return false; }
    if (status !== "all" && status !== "problems" && s !== status) { return false; }
    if (rule !== "all" && (" " + el.dataset.rules + " ").indexOf(" " + rule + " ") < 0) { return false; }
    if (text && el.dataset.path.toLowerCase().indexOf(text) < 0) { return false; }
    return true;
  }

  function apply() {
    var count = 0;
    cards.forEach(function (el) { var ok = matches(el); el.hidden = !ok; if (ok) { count += 1; } });
    articles.forEach(function (el) { el.hidden = !matches(el); });
    shown.textContent = count + " of " + cards.length + " shown";
    empty.hidden = count !== 0;
    tiles.forEach(function (tile) {
      tile.setAttribute("aria-pressed", String(tile.dataset.filterStatus === statusSelect.value));
    });
  }

  function visibleArticles() {
    return articles.filter(function (el) { return !el.hidden; });
  }

  function step(delta) {
    var list = visibleArticles();
    if (!list.length) { return; }
    var current = list.indexOf(document.activeElement.closest ? document.activeElement.closest("article.asset") : null);
    var next = current < 0 ? (delta > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, current + delta));
    list[next].focus();
    list[next].scrollIntoView({ block: "start" });
  }

  statusSelect.addEventListener("change", apply);
  ruleSelect.addEventListener("change", apply);
  textInput.addEventListener("input", apply);
  tiles.forEach(function (tile) {
    tile.addEventListener("click", function () { statusSelect.value = tile.dataset.filterStatus; apply(); });
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-filter-rule]"), function (button) {
    button.addEventListener("click", function () {
      ruleSelect.value = button.dataset.filterRule;
      apply();
      document.getElementById("gallery").focus();
    });
  });
  document.querySelector("form.filters").addEventListener("submit", function (event) { event.preventDefault(); });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(event.target.tagName);
    if (event.key === "Escape") {
      statusSelect.value = "all"; ruleSelect.value = "all"; textInput.value = "";
      apply();
      if (typing) { event.target.blur(); }
      return;
    }
    if (typing) { return; }
    if (event.key === "j") { event.preventDefault(); step(1); }
    else if (event.key === "k") { event.preventDefault(); step(-1); }
    else if (event.key === "/") { event.preventDefault(); textInput.focus(); }
    else if (event.key === "g") { event.preventDefault(); document.getElementById("gallery").focus(); }
  });

  apply();
}());
