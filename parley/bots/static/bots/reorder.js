// Drag an interaction card onto another to move it there. The up/down buttons do
// the same without a mouse; this only posts the same form with "to" and reloads.
(function () {
  "use strict";
  var list = document.getElementById("interactions");
  if (!list) return;
  var dragged = null;
  list.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest("li.interaction");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });
  list.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    list.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    dragged = null;
  });
  list.addEventListener("dragover", function (event) {
    var card = event.target.closest && event.target.closest("li.interaction");
    if (!dragged || !card || card === dragged) return;
    event.preventDefault();
    list.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    card.classList.add("drop-target");
  });
  list.addEventListener("drop", function (event) {
    var card = event.target.closest && event.target.closest("li.interaction");
    if (!dragged || !card || card === dragged) return;
    event.preventDefault();
    var form = dragged.querySelector("form[action$='/move']");
    var to = document.createElement("input");
    to.type = "hidden";
    to.name = "to";
    to.value = card.dataset.index;
    form.appendChild(to);
    form.submit();
  });
})();
