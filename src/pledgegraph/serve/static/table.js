// Sorting and filtering of the list tables in the browser (the server sorts with ?sort= as well).
// No data leaves the page; works in the static site too.
(function () {
  "use strict";
  function cellValue(row, i, numeric) {
    var cell = row.cells[i];
    if (!cell) return numeric ? -Infinity : "";
    if (numeric) {
      var v = parseFloat(cell.getAttribute("data-value"));
      return isNaN(v) ? -Infinity : v;
    }
    return cell.textContent.trim().toLocaleLowerCase();
  }
  function sortBy(table, i, numeric, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, i, numeric), y = cellValue(b, i, numeric);
      var order = numeric ? x - y : x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, i) {
      var numeric = th.getAttribute("data-numeric") === "1";
      var link = th.querySelector("a");
      var descending = numeric;
      (link || th).addEventListener("click", function (event) {
        event.preventDefault();
        sortBy(table, i, numeric, descending);
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
        descending = !descending;
      });
      th.style.cursor = "pointer";
    });
  });
  document.querySelectorAll("input[data-filter-for]").forEach(function (input) {
    var name = input.getAttribute("data-filter-for");
    var table = document.getElementById("table-" + name);
    var count = document.querySelector("[data-count-for='" + name + "']");
    if (!table) return;
    input.addEventListener("input", function () {
      var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = row.textContent.toLocaleLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        row.hidden = !keep;
        if (keep) shown += 1;
      });
      if (count) count.textContent = String(shown);
    });
  });
})();
