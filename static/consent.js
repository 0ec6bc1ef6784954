// The consent form's drawn signature (progressive: without JavaScript the typed signature
// alone is the signature). Pointer strokes on a canvas; the PNG goes into the hidden
// `signature_image` field when the form is submitted.
(function () {
  "use strict";
  var pad = document.querySelector("[data-signature-pad]");
  if (!pad) return;
  var canvas = pad.querySelector("canvas");
  var field = document.querySelector("input[name=signature_image]");
  var form = pad.closest("form");
  if (!canvas || !field || !form || !canvas.getContext) return;
  pad.hidden = false;
  var ctx = canvas.getContext("2d");
  ctx.lineWidth = 2;
  ctx.lineCap = "round";
  var drawing = false;
  var drawn = false;
  function at(e) {
    var r = canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * canvas.width) / r.width,
      y: ((e.clientY - r.top) * canvas.height) / r.height,
    };
  }
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true;
    var p = at(e);
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return;
    var p = at(e);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    drawn = true;
  });
  canvas.addEventListener("pointerup", function () {
    drawing = false;
  });
  pad.querySelector("[data-clear]").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = false;
    field.value = "";
  });
  form.addEventListener("submit", function () {
    if (drawn) field.value = canvas.toDataURL("image/png");
  });
})();
