/* Recording a follow-up: an outcome that says where she stands on her exit pathway
 * ("returned", "contact lost") ticks "Also record it on her exit pathway"; another unticks
 * it, until the box is ticked or unticked by hand. Without JavaScript the box stays as it is. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-pathway-outcomes]");
  if (!form) return;
  var box = form.querySelector("input[name=record_on_pathway]");
  if (!box) return;
  var mapped = form.getAttribute("data-pathway-outcomes").split(" ");
  var byHand = false;
  box.addEventListener("change", function () { byHand = true; });
  form.addEventListener("change", function (event) {
    if (byHand || event.target.name !== "outcome") return;
    box.checked = mapped.indexOf(event.target.value) !== -1;
  });
})();
