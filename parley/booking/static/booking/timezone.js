/* Booking pages: show times in the visitor's own time zone. Without this script the
   select and its "Show times" button do the same job. */
(function () {
  var select = document.getElementById('tz');
  if (!select) return;
  var hide = select.form.querySelector('[data-hide-with-js]');
  if (hide) hide.hidden = true;
  select.addEventListener('change', function () { select.form.submit(); });
  if (select.getAttribute('data-detect') !== '1' || /[?&]tz=/.test(location.search)) return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || zone === select.value) return;
  var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
  if (!known) return;
  var params = new URLSearchParams(location.search);
  params.set('tz', zone);
  location.replace(location.pathname + '?' + params.toString());
})();
