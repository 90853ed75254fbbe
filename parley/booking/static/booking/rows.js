/* Calendar settings: "Add a row" copies a table's last row with its inputs emptied.
   Without this script the page always offers two blank rows. */
document.querySelectorAll('[data-add-row]').forEach(function (button) {
  button.hidden = false;
  button.addEventListener('click', function () {
    var body = document.getElementById(button.getAttribute('data-add-row')).tBodies[0];
    var copy = body.rows[body.rows.length - 1].cloneNode(true);
    copy.querySelectorAll('input').forEach(function (input) { input.value = ''; });
    copy.querySelectorAll('.error').forEach(function (error) { error.remove(); });
    body.appendChild(copy);
    var first = copy.querySelector('input, select');
    if (first) first.focus();
  });
});
