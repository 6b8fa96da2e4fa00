// Picking a sample fills the text box with its payload. Served as a file, not inline, so the
// pages' Content-Security-Policy allows no inline script at all.
(function () {
  var samples = JSON.parse(document.getElementById("samples").textContent);
  document.getElementById("sample").addEventListener("change", function (e) {
    var s = samples.find(function (x) { return x.name === e.target.value; });
    if (s) { document.getElementById("payload").value = s.body; }
  });
})();
