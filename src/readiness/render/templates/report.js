(function () {
  "use strict";
  // Sortable and filterable tables. Without this script they are plain tables.
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  function key(cell) {
    var raw = cell ? cell.getAttribute("data-sort") : "";
    if (raw === null) { raw = cell.textContent.trim(); }
    var n = parseFloat(raw.replace(/,/g, ""));
    if (raw !== "" && !isNaN(n) && /^[-+]?[0-9.,]+/.test(raw)) { return [0, n, ""]; }
    return [raw === "" ? 2 : 1, 0, raw.toLowerCase()];
  }
  function compare(a, b) {
    return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
  }
  each(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    each(heads, function (th, col) {
      th.tabIndex = 0;
      th.classList.add("sort");
      th.title = "Sort by this column";
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        each(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var fixed = rows.filter(function (r) { return r.classList.contains("more"); });
        rows.filter(function (r) { return !r.classList.contains("more"); })
          .map(function (r, i) { return [key(r.cells[col]), i, r]; })
          .sort(function (x, y) { return compare(x[0], y[0]) * dir || x[1] - y[1]; })
          .forEach(function (x) { body.appendChild(x[2]); });
        fixed.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  });
  each(document.querySelectorAll("input.filter"), function (input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    if (!table) { return; }
    input.hidden = false;
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      each(table.tBodies[0].rows, function (r) {
        var text = r.textContent.toLowerCase();
        r.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      });
    });
  });
})();
