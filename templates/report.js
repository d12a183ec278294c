// Sorting and filtering of the claims table: an enhancement only; with JavaScript off the
// table is complete and readable. No network, no external code.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("table.claims"), enhance);

  function enhance(table) {
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var controls = table.previousElementSibling;
  if (!controls || !controls.classList.contains("controls")) { return; }

  function select(name, values) {
    var label = document.createElement("label");
    label.textContent = name + " ";
    var box = document.createElement("select");
    var all = document.createElement("option");
    all.value = ""; all.textContent = "all";
    box.appendChild(all);
    values.forEach(function (v) {
      var option = document.createElement("option");
      option.value = v; option.textContent = v;
      box.appendChild(option);
    });
    label.appendChild(box);
    controls.appendChild(label);
    return box;
  }
  function distinct(key) {
    var seen = [];
    rows.forEach(function (r) { var v = r.dataset[key]; if (seen.indexOf(v) < 0) { seen.push(v); } });
    return seen.sort();
  }
  var verdict = select("Verdict", distinct("verdict"));
  var paper = select("Paper", distinct("paper"));
  var searchLabel = document.createElement("label");
  searchLabel.textContent = "Search ";
  var search = document.createElement("input");
  search.type = "search";
  searchLabel.appendChild(search);
  controls.appendChild(searchLabel);
  controls.hidden = false;

  function filter() {
    var words = search.value.toLowerCase();
    rows.forEach(function (r) {
      var show = (!verdict.value || r.dataset.verdict === verdict.value) &&
        (!paper.value || r.dataset.paper === paper.value) &&
        (!words || r.textContent.toLowerCase().indexOf(words) >= 0);
      r.hidden = !show;
    });
  }
  [verdict, paper].forEach(function (el) { el.addEventListener("change", filter); });
  search.addEventListener("input", filter);

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    var kind = th.dataset.sort;
    if (!kind) { return; }
    th.tabIndex = 0;
    th.addEventListener("click", function () {
      var ascending = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      function key(row) {
        var text = row.cells[column].textContent.trim();
        if (kind === "num") { var n = parseFloat(text.replace(/^C/, "")); return isNaN(n) ? -1 : n; }
        return text.toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  }
})();
