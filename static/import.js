// Progressive enhancement of the import page: a file picker that reads a study record into
// the textarea (pasting works without JavaScript).
(function () {
  var field = document.getElementById("record-file-field");
  var input = document.getElementById("record-file");
  var target = document.getElementById("record");
  if (!field || !input || !target || !window.FileReader) return;
  field.hidden = false;
  input.addEventListener("change", function () {
    var file = input.files && input.files[0];
    if (!file) return;
    var reader = new FileReader();
    reader.onload = function () { target.value = String(reader.result); target.focus(); };
    reader.readAsText(file);
  });
})();
