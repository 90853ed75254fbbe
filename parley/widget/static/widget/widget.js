/*! Parley website widget: one file, no dependencies, no build step. Docs: docs/widget.md
 * <script src="https://HOST/widget.js" data-site="SITE_KEY" async></script>
 * Rules kept here: visitor text is only ever set with textContent (never as markup);
 * nothing is written to cookies or storage before the visitor consents to tracking. */
(function (w, d) {
  'use strict';
  var old = w.Parley;
  if (old && old.version) return; // loaded twice: keep the first
  var script = d.currentScript || d.querySelector('script[data-site][src*="widget.js"]') || d.querySelector('script[data-site]');
  if (!script || !script.getAttribute('data-site')) return;
  var SITE = script.getAttribute('data-site');
  var src = new URL(script.src, location.href);
  var API = src.origin + src.pathname.replace(/\/[^/]*$/, '') + '/api/widget/' + encodeURIComponent(SITE);
  var KEY = 'parley:' + SITE;
  var PREFIX = 'parley:';
  var HEARTBEAT_MS = 15000;

  /* ---------- texts ---------- */
  var TEXTS = {
    en: {
      open: 'Open chat', close: 'Close', dismiss: 'Dismiss', send: 'Send', skip: 'Skip', skipped: 'Skipped',
      answer: 'Your answer', type: 'Type your answer…', yes: 'Yes', no: 'No', chat: 'Chat with {0}',
      sub: 'Usually replies instantly', typing: '{0} is typing', required: 'Please answer this question.',
      email: 'Please enter a valid email address.', phone: 'Please enter a valid phone number.',
      number: 'Please enter a number.', min: 'Please enter at least {0}.', max: 'Please enter at most {0}.',
      minLen: 'Please enter at least {0} characters.', maxLen: 'Please enter at most {0} characters.',
      date: 'Please pick a date.', pick: 'Please choose an option.', pickN: 'Please choose at least {0}.',
      pickMax: 'Please choose at most {0}.', retrying: 'Not sent yet. Retrying…', retry: 'Retry now',
      failed: 'Something went wrong. Please try again.', ended: 'This conversation has ended.',
      restart: 'Start a new conversation', times: 'Times are in {0}.', noSlots: 'No times are available right now.',
      change: 'Change time', book: 'Confirm booking', taken: 'Sorry, that time was just taken. Please pick another.',
      first_name: 'First name', last_name: 'Last name', emailL: 'Email', optional: 'optional',
      choices: 'Choices', days: 'Days', slots: 'Available times', connecting: 'Connecting…'
    },
    de: {
      open: 'Chat öffnen', close: 'Schließen', dismiss: 'Ausblenden', send: 'Senden', skip: 'Überspringen',
      skipped: 'Übersprungen', answer: 'Ihre Antwort', type: 'Ihre Antwort…', yes: 'Ja', no: 'Nein',
      chat: 'Chat mit {0}', sub: 'Antwortet meist sofort', typing: '{0} schreibt', required: 'Bitte beantworten Sie diese Frage.',
      email: 'Bitte geben Sie eine gültige E-Mail-Adresse ein.', phone: 'Bitte geben Sie eine gültige Telefonnummer ein.',
      number: 'Bitte geben Sie eine Zahl ein.', min: 'Bitte mindestens {0} eingeben.', max: 'Bitte höchstens {0} eingeben.',
      minLen: 'Bitte mindestens {0} Zeichen eingeben.', maxLen: 'Bitte höchstens {0} Zeichen eingeben.',
      date: 'Bitte wählen Sie ein Datum.', pick: 'Bitte wählen Sie eine Option.', pickN: 'Bitte wählen Sie mindestens {0}.',
      pickMax: 'Bitte wählen Sie höchstens {0}.', retrying: 'Noch nicht gesendet. Neuer Versuch…', retry: 'Jetzt erneut senden',
      failed: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.', ended: 'Dieses Gespräch ist beendet.',
      restart: 'Neues Gespräch beginnen', times: 'Zeiten in {0}.', noSlots: 'Zurzeit sind keine Termine frei.',
      change: 'Andere Zeit wählen', book: 'Termin bestätigen', taken: 'Dieser Termin wurde gerade vergeben. Bitte wählen Sie einen anderen.',
      first_name: 'Vorname', last_name: 'Nachname', emailL: 'E-Mail', optional: 'optional',
      choices: 'Auswahl', days: 'Tage', slots: 'Freie Zeiten', connecting: 'Verbinde…'
    }
  };
  var LANG = (script.getAttribute('data-lang') || d.documentElement.lang || navigator.language || 'en').toLowerCase();
  var L = TEXTS[LANG.slice(0, 2)] || TEXTS.en;
  if (!TEXTS[LANG.slice(0, 2)]) LANG = 'en';
  function t(k, a) { return (L[k] || TEXTS.en[k] || k).replace('{0}', a == null ? '' : a); }

  /* ---------- small helpers ---------- */
  function noop() {}
  function now() { return w.performance && performance.now ? performance.now() : Date.now(); }
  function uuid() {
    var c = w.crypto;
    if (c && c.randomUUID) try { return c.randomUUID(); } catch (e) { /* insecure context */ }
    var b = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(b); else for (var i = 0; i < 16; i++) b[i] = Math.random() * 256;
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    var x = Array.prototype.map.call(b, function (n) { return (n + 256).toString(16).slice(1); }).join('');
    return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
  }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  // h('button', {class: 'c', text: 'Hi', onclick: fn}, [children]): attributes via setAttribute, text via textContent.
  function h(tag, props, kids) {
    var e = d.createElement(tag);
    for (var k in props || {}) {
      var v = props[k];
      if (v == null || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.slice(0, 2) === 'on') e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    (kids || []).forEach(function (c) { if (c != null) e.appendChild(typeof c === 'string' ? d.createTextNode(c) : c); });
    return e;
  }
  var ICONS = {
    chat: 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
    x: 'M18.3 5.7a1 1 0 0 0-1.4 0L12 10.6 7.1 5.7a1 1 0 0 0-1.4 1.4l4.9 4.9-4.9 4.9a1 1 0 1 0 1.4 1.4l4.9-4.9 4.9 4.9a1 1 0 0 0 1.4-1.4L13.4 12l4.9-4.9a1 1 0 0 0 0-1.4z',
    send: 'M3.4 20.4 21 12 3.4 3.6a.6.6 0 0 0-.8.7L4.5 11l9 1-9 1-1.9 6.7a.6.6 0 0 0 .8.7z',
    back: 'M20 11H7.8l5.6-5.6L12 4l-8 8 8 8 1.4-1.4L7.8 13H20z'
  };
  function icon(name) {
    var ns = 'http://www.w3.org/2000/svg', s = d.createElementNS(ns, 'svg'), p = d.createElementNS(ns, 'path');
    s.setAttribute('viewBox', '0 0 24 24'); s.setAttribute('aria-hidden', 'true'); s.setAttribute('focusable', 'false');
    p.setAttribute('d', ICONS[name]); p.setAttribute('fill', 'currentColor'); s.appendChild(p);
    return s;
  }
  var TZ = 'UTC';
  try { TZ = Intl.DateTimeFormat().resolvedOptions().timeZone || TZ; } catch (e) { /* old browser */ }
  function fmt(date, opts, loc) {
    try { return new Intl.DateTimeFormat(loc || LANG, Object.assign({ timeZone: TZ }, opts)).format(date); } catch (e) { return date.toISOString(); }
  }
  function dayKey(date) { return fmt(date, { year: 'numeric', month: '2-digit', day: '2-digit' }, 'en-CA'); }
  function slotLabel(s) {
    return fmt(new Date(s.start), { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
  }

  /* ---------- storage: only ever written after consent ---------- */
  function readStore() { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; } }
  function wipe() {
    try {
      for (var i = localStorage.length; i--;) { var k = localStorage.key(i); if (k && k.indexOf(PREFIX) === 0) localStorage.removeItem(k); }
    } catch (e) { /* storage disabled */ }
  }
  function tracking() { return S.consent === 'granted' || S.consent === 'not_needed'; }
  function save() {
    if (!tracking() || !S.token) return;
    var c = S.conv && !S.conv.ended ? S.conv : null;
    var data = { visitor_token: S.token };
    if (c && S.bot) { data.conversation_id = c.id; data.bot = S.bot.raw; data.open = S.open; }
    try { localStorage.setItem(KEY, JSON.stringify(data)); } catch (e) { /* full or disabled */ }
  }

  /* ---------- network ---------- */
  function post(path, body) {
    return fetch(API + path, {
      method: 'POST', mode: 'cors', credentials: 'omit',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (txt) {
        var data = {};
        try { data = txt ? JSON.parse(txt) : {}; } catch (e) { /* not JSON */ }
        return { status: r.status, data: data || {} };
      });
    });
  }
  // POST until the server gives a real answer: network errors, 429 and 5xx retry with exponential
  // backoff (1 s, 2 s, 4 s … capped at 30 s). onFail(retryNow) is told of each failure.
  function persist(path, body, onFail) {
    var n = 0, timer;
    return new Promise(function (resolve) {
      function attempt() {
        clearTimeout(timer);
        post(path, body).then(function (r) {
          if (r.status === 429 || r.status >= 500) throw r;
          resolve(r);
        }).catch(function () {
          timer = setTimeout(attempt, Math.min(30000, 1000 * Math.pow(2, n++)) * (0.8 + Math.random() * 0.4));
          (onFail || noop)(attempt);
        });
      }
      attempt();
    });
  }

  /* ---------- state ---------- */
  var stored = readStore();
  var S = {
    token: null, consent: null, bot: null, conv: null, open: false, loaded: false, popped: false,
    draft: null, err: null, pv: null, url: location.href, handlers: {}, waiting: [], info: null
  };
  function emit(name, detail) {
    (S.handlers[name] || []).slice().forEach(function (fn) { try { fn(detail || {}); } catch (e) { setTimeout(function () { throw e; }); } });
  }
  function whenLoaded(fn) {
    return new Promise(function (resolve, reject) {
      function run() { try { resolve(fn()); } catch (e) { reject(e); } }
      if (S.loaded) run(); else S.waiting.push(run);
    });
  }

  /* ---------- page views (only with consent) ---------- */
  function visibleMs(p) { return p.ms + (p.since ? now() - p.since : 0); }
  function pvSend(final) {
    var p = S.pv;
    if (!p || !tracking() || !S.token) return;
    if (p === S.pv && !p.closed) p.title = d.title;
    var body = JSON.stringify({
      visitor_token: S.token, page_view_id: p.id, url: p.url, title: p.title,
      referrer: p.ref, visible_ms: Math.round(visibleMs(p))
    });
    // text/plain is CORS-safelisted: beacons go out without a preflight, even while the page unloads.
    if (final && navigator.sendBeacon) {
      try { if (navigator.sendBeacon(API + '/page-views', new Blob([body], { type: 'text/plain' }))) return; } catch (e) { /* fall back */ }
    }
    fetch(API + '/page-views', {
      method: 'POST', mode: 'cors', credentials: 'omit', keepalive: !!final,
      headers: { 'Content-Type': 'text/plain' }, body: body
    }).catch(noop);
  }
  function pvClose() {
    var p = S.pv;
    if (!p) return;
    p.ms = visibleMs(p); p.since = 0; p.closed = true;
    pvSend(true);
    S.pv = null;
  }
  // `later`: a single-page app usually sets the new title just after changing the URL.
  function pvStart(url, ref, later) {
    pvClose();
    if (!tracking() || !S.token) return;
    var p = S.pv = { id: uuid(), url: url, ref: ref || '', title: d.title, ms: 0, t0: now(), since: d.visibilityState === 'hidden' ? 0 : now() };
    if (later) setTimeout(function () { if (S.pv === p) pvSend(false); }, 400); else pvSend(false);
  }
  function pageKey(u) {
    var i = u.indexOf('#');
    return i < 0 || /^#[!/]/.test(u.slice(i)) ? u : u.slice(0, i); // hash routes (#/ or #!) count as pages
  }
  function navigated() {
    var u = location.href;
    if (pageKey(u) === pageKey(S.url)) return;
    var prev = S.url;
    S.url = u;
    pvStart(u, prev, true);
  }
  ['pushState', 'replaceState'].forEach(function (m) {
    var orig = history[m];
    if (typeof orig !== 'function') return;
    history[m] = function () { var r = orig.apply(this, arguments); try { navigated(); } catch (e) { /* never break the app */ } return r; };
  });
  w.addEventListener('popstate', navigated);
  d.addEventListener('visibilitychange', function () {
    var p = S.pv;
    if (!p) return;
    if (d.visibilityState === 'hidden') {
      if (p.since) { p.ms += now() - p.since; p.since = 0; }
      pvSend(true);
    } else if (!p.since) p.since = now();
  });
  w.addEventListener('pagehide', function () {
    var p = S.pv;
    if (!p) return;
    if (p.since) { p.ms += now() - p.since; p.since = 0; }
    pvSend(true);
  });
  w.addEventListener('pageshow', function (e) { if (e.persisted && S.pv && !S.pv.since && !d.hidden) S.pv.since = now(); });
  setInterval(function () { if (S.pv && d.visibilityState === 'visible') pvSend(false); }, HEARTBEAT_MS);

  function setConsent(granted) {
    if (granted) {
      if (tracking()) return;
      S.consent = 'granted';
      save();
      pvStart(location.href, d.referrer); // nothing seen before consent is sent: the page view starts now
    } else {
      S.pv = null; // stop tracking: the open page view is dropped, not closed
      S.consent = 'denied';
      wipe();
    }
  }

  /* ---------- look ---------- */
  function normBot(b) {
    var look = b.look || {}, delay = b.reach_out_delay_s != null ? b.reach_out_delay_s : b.delay_s;
    var ro = b.reaching_out || b.messages || [];
    return {
      raw: b, id: String(b.id || b.bot_id), name: look.display_name || b.display_name || b.name || 'Chat', look: look,
      delay: Math.max(0, +delay || 0), reaching: ro.map(function (m) { return typeof m === 'string' ? { text: m } : m; })
        .filter(function (m) { return m && m.text; })
    };
  }
  function colours(el, c) {
    c = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c || '') ? c : '#4f46e5';
    if (c.length === 4) c = '#' + c[1] + c[1] + c[2] + c[2] + c[3] + c[3];
    var n = parseInt(c.slice(1), 16), r = n >> 16, g = n >> 8 & 255, b = n & 255;
    var light = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.62, rgb = r + ',' + g + ',' + b;
    el.style.setProperty('--p', c);
    el.style.setProperty('--pt', light ? '#111827' : '#fff');
    el.style.setProperty('--pk', light ? '#1d2330' : c);
    el.style.setProperty('--ps', 'rgba(' + rgb + ',.09)');
    el.style.setProperty('--pr', 'rgba(' + rgb + ',.28)');
  }
  function avatar(cls) {
    var url = S.bot.look.avatar_url, box = h('span', { class: 'av ' + cls, 'aria-hidden': 'true' });
    var initials = S.bot.name.split(/\s+/).map(function (x) { return x.charAt(0); }).join('').slice(0, 2).toUpperCase();
    if (url && /^(https?:|data:image\/)/i.test(url)) {
      var img = h('img', { src: url, alt: '' });
      img.addEventListener('error', function () { box.textContent = initials; });
      box.appendChild(img);
    } else box.textContent = initials;
    return box;
  }

  var CSS = ':host{all:initial!important;display:contents!important}' +
    '*{box-sizing:border-box;margin:0;padding:0;font:inherit;color:inherit;letter-spacing:normal;text-transform:none;text-align:inherit}' +
    '[hidden]{display:none!important}' +
    '.w{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d2330;text-align:left;-webkit-font-smoothing:antialiased}' +
    'button{cursor:pointer;background:none;border:0;text-align:center}button:disabled{cursor:default}' +
    'svg{display:block;width:20px;height:20px}' +
    ':focus-visible{outline:2px solid var(--p);outline-offset:2px}' +
    '.l,.pop,.pn{position:fixed;z-index:2147483000;right:20px}.left .l,.left .pop,.left .pn{right:auto;left:20px}' +
    '.l{bottom:20px;width:60px;height:60px;border-radius:50%;background:var(--p);color:var(--pt);display:flex;align-items:center;justify-content:center;box-shadow:0 6px 24px rgba(17,24,39,.24);transition:transform .15s}' +
    '.l:hover{transform:scale(1.06)}.l svg{width:28px;height:28px}' +
    '.pop{bottom:94px;width:320px;max-width:calc(100vw - 40px);animation:up .3s ease-out}' +
    '.card{display:block;width:100%;text-align:left;background:#fff;border-radius:16px;padding:14px 16px;box-shadow:0 10px 36px rgba(17,24,39,.18),0 1px 3px rgba(17,24,39,.08);border:1px solid #eceef2}' +
    '.card:hover{box-shadow:0 12px 40px rgba(17,24,39,.24),0 1px 3px rgba(17,24,39,.08)}' +
    '.who{display:flex;align-items:center;gap:8px;font-size:12px;color:#6b7280;margin-bottom:6px}' +
    '.card p{font-size:15px;color:#1d2330}.card p+p{margin-top:6px}' +
    '.x{position:absolute;top:-10px;right:-8px;width:26px;height:26px;border-radius:50%;background:#fff;color:#4b5160;display:flex;align-items:center;justify-content:center;box-shadow:0 2px 8px rgba(17,24,39,.2)}' +
    '.x svg{width:14px;height:14px}.left .x{right:auto;left:-8px}' +
    '.pn{bottom:20px;width:380px;height:640px;max-height:calc(100vh - 40px);display:flex;flex-direction:column;background:#fff;border-radius:18px;overflow:hidden;box-shadow:0 16px 56px rgba(17,24,39,.28),0 2px 6px rgba(17,24,39,.08);animation:up .22s ease-out}' +
    '.hd{display:flex;align-items:center;gap:10px;padding:14px 10px 14px 16px;background:var(--p);color:var(--pt);flex:none}' +
    '.hd :focus-visible{outline-color:var(--pt)}' +
    '.av{flex:none;width:38px;height:38px;border-radius:50%;background:rgba(255,255,255,.22);display:flex;align-items:center;justify-content:center;font-weight:600;font-size:14px;overflow:hidden}' +
    '.av img{width:100%;height:100%;object-fit:cover}.av.s{width:24px;height:24px;font-size:10px;background:var(--p);color:var(--pt)}' +
    '.nm{font-weight:600;font-size:16px;line-height:1.25}.sub{font-size:12px;opacity:.85}' +
    '.cl{margin-left:auto;width:38px;height:38px;border-radius:10px;display:flex;align-items:center;justify-content:center}.cl:hover{background:rgba(255,255,255,.16)}' +
    '.lg{flex:1;overflow-y:auto;padding:18px 16px;background:#f6f7f9;display:flex;flex-direction:column;gap:8px;overscroll-behavior:contain}' +
    '.m{max-width:84%;padding:9px 13px;border-radius:18px;white-space:pre-wrap;overflow-wrap:anywhere;animation:in .2s ease-out}' +
    '.m.bot{align-self:flex-start;background:#fff;border:1px solid #e5e7ec;border-bottom-left-radius:6px}' +
    '.m.me{align-self:flex-end;background:var(--p);color:var(--pt);border-bottom-right-radius:6px}.m.me.pd{opacity:.6}' +
    '.m a{text-decoration:underline}' +
    '.st{align-self:flex-end;font-size:12px;color:#6b7280;display:flex;gap:8px;align-items:center}.st button{color:var(--pk);text-decoration:underline;font-size:12px}' +
    '.ty{display:flex;gap:4px;padding:14px}.ty i{width:7px;height:7px;border-radius:50%;background:#a0a6b3;animation:bl 1.2s infinite}' +
    '.ty i:nth-child(2){animation-delay:.2s}.ty i:nth-child(3){animation-delay:.4s}' +
    '.ft{flex:none;max-height:62%;overflow-y:auto;padding:12px;border-top:1px solid #eceef2;background:#fff}.ft:empty{display:none}' +
    '.row{display:flex;gap:8px;align-items:flex-end}' +
    '.in{display:block;width:100%;flex:1;min-width:0;border:1px solid #d4d7df;border-radius:12px;padding:10px 12px;font-size:15px;line-height:1.35;background:#fff;color:#1d2330;outline:none;resize:none;min-height:42px}' +
    '.in:focus{border-color:var(--p);box-shadow:0 0 0 3px var(--pr)}.in[aria-invalid=true]{border-color:#d92d20}' +
    '.in::placeholder{color:#9aa0ad}' +
    '.snd{flex:none;width:42px;height:42px;border-radius:12px;background:var(--p);color:var(--pt);display:flex;align-items:center;justify-content:center}' +
    '.ch{display:flex;flex-wrap:wrap;gap:8px;justify-content:flex-end}' +
    '.c{padding:8px 15px;border-radius:999px;border:1.5px solid var(--p);color:var(--pk);background:#fff;font-weight:500;line-height:1.3}' +
    '.c:hover{background:var(--ps)}.c[aria-pressed=true]{background:var(--p);color:var(--pt)}' +
    '.err{color:#b42318;font-size:13px;margin-top:6px}' +
    '.sk{display:block;margin:8px 0 0 auto;font-size:13px;color:#6b7280;text-decoration:underline;padding:2px 6px}' +
    '.pri{display:block;width:100%;margin-top:10px;padding:11px;border-radius:12px;background:var(--p);color:var(--pt);font-weight:600}.pri:disabled{opacity:.45}' +
    '.end{text-align:center;color:#6b7280;font-size:13px}' +
    '.sec{display:block;margin:8px auto 0;padding:8px 16px;border-radius:999px;border:1px solid #d4d7df;color:var(--pk);font-weight:500}.sec:hover{background:var(--ps)}' +
    '.days{display:flex;gap:6px;overflow-x:auto;padding:2px 2px 6px}' +
    '.day{flex:none;min-width:58px;padding:6px 8px;border-radius:10px;border:1px solid #d4d7df;font-size:12px;line-height:1.3;color:#4b5160}' +
    '.day b{display:block;font-size:16px;font-weight:600;color:#1d2330}' +
    '.day[aria-pressed=true]{border-color:var(--p);background:var(--ps);color:var(--pk)}.day[aria-pressed=true] b{color:var(--pk)}' +
    '.tms{display:grid;grid-template-columns:repeat(3,1fr);gap:6px;margin-top:6px;max-height:152px;overflow-y:auto;padding:2px}' +
    '.tm{padding:8px 0;border:1.5px solid var(--p);border-radius:10px;color:var(--pk);font-weight:500}.tm:hover{background:var(--ps)}' +
    '.note{font-size:12px;color:#6b7280;margin-top:8px}' +
    '.sel{display:flex;align-items:center;justify-content:space-between;gap:8px;font-weight:600}' +
    '.bk{display:flex;align-items:center;gap:4px;font-size:13px;font-weight:500;color:var(--pk)}.bk svg{width:16px;height:16px}' +
    '.fm label{display:block;font-size:12px;font-weight:500;color:#4b5160;margin:10px 0 4px}.fm label span{font-weight:400;color:#9aa0ad}' +
    '.two{display:grid;grid-template-columns:1fr 1fr;gap:0 8px}' +
    '@keyframes up{from{opacity:0;transform:translateY(12px)}to{opacity:1;transform:none}}' +
    '@keyframes in{from{opacity:0;transform:translateY(4px)}to{opacity:1;transform:none}}' +
    '@keyframes bl{0%,60%,100%{opacity:.35;transform:none}30%{opacity:1;transform:translateY(-3px)}}' +
    '@media (max-width:480px){.pn{inset:0;width:100%;height:100%;max-height:none;border-radius:0}.in{font-size:16px}.pop{right:16px;bottom:90px}}' +
    '@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}';

  /* ---------- UI ---------- */
  var U = {}; // elements

  function build() {
    if (U.root) return;
    var host = d.createElement('parley-widget');
    host.setAttribute('style', 'all:initial!important;display:contents!important');
    var sr = host.attachShadow({ mode: 'open' });
    U.root = h('div', { class: 'w' + (S.bot.look.position === 'left' ? ' left' : ''), lang: LANG });
    colours(U.root, S.bot.look.color);
    sr.appendChild(h('style', { text: CSS }));
    sr.appendChild(U.root);
    U.launcher = h('button', { class: 'l', type: 'button', 'aria-label': t('open'), 'aria-expanded': 'false', onclick: function () { openPanel(true); } }, [icon('chat')]);
    U.root.appendChild(U.launcher);
    U.root.addEventListener('keydown', function (e) {
      if (e.key !== 'Escape') return;
      if (S.open) { e.stopPropagation(); closePanel(); } else if (U.pop) dismissPopup();
    });
    (d.body || d.documentElement).appendChild(host);
    U.host = host;
  }

  function showPopup() {
    if (S.open || S.conv || U.pop || !S.bot.reaching.length) return;
    S.popped = true;
    var card = h('button', { class: 'card', type: 'button', onclick: function () { openPanel(true); } },
      [h('span', { class: 'who' }, [avatar('s'), S.bot.name])].concat(S.bot.reaching.map(function (m) { return h('p', { text: m.text }); })));
    U.pop = h('div', { class: 'pop', role: 'status' }, [card,
      h('button', { class: 'x', type: 'button', 'aria-label': t('dismiss'), onclick: dismissPopup }, [icon('x')])]);
    U.root.appendChild(U.pop);
    post('/reach-outs', { visitor_token: S.token, bot_id: S.bot.id }).catch(noop);
  }
  function dismissPopup() {
    if (U.pop) { U.pop.remove(); U.pop = null; }
    clearTimeout(S.roTimer);
  }

  function buildPanel() {
    if (U.panel) return;
    U.log = h('div', { class: 'lg', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
    U.foot = h('div', { class: 'ft' });
    U.panel = h('div', { class: 'pn', role: 'dialog', 'aria-label': t('chat', S.bot.name), hidden: true }, [
      h('div', { class: 'hd' }, [avatar(''), h('div', {}, [h('div', { class: 'nm', text: S.bot.name }), h('div', { class: 'sub', text: t('sub') })]),
        h('button', { class: 'cl', type: 'button', 'aria-label': t('close'), onclick: function () { closePanel(); } }, [icon('x')])]),
      U.log, U.foot]);
    U.root.appendChild(U.panel);
  }

  function openPanel(user) {
    if (!S.bot) return;
    build(); buildPanel(); dismissPopup();
    var was = S.open;
    S.open = true;
    U.panel.hidden = false; U.launcher.hidden = true; U.launcher.setAttribute('aria-expanded', 'true');
    scrollDown();
    if (!was) { save(); emit('opened', { bot_id: S.bot.id }); }
    if (!S.conv && !S.starting) start(user);
    else if (user) focusFoot();
  }
  function closePanel() {
    if (!S.open) return;
    var focused = U.host && U.host.shadowRoot.activeElement;
    S.open = false;
    U.panel.hidden = true; U.launcher.hidden = false; U.launcher.setAttribute('aria-expanded', 'false');
    if (focused) U.launcher.focus();
    save();
    emit('closed', { bot_id: S.bot.id });
  }
  function scrollDown() { if (U.log) U.log.scrollTop = U.log.scrollHeight; }
  function focusFoot() {
    var el = U.foot && U.foot.querySelector('.in,.c,.day[aria-pressed=true],.tm,.pri');
    if (el && S.open) el.focus();
  }

  // A message bubble. Text is always inserted as text; bot links become <a> built from text nodes.
  function bubble(from, text) {
    var me = from !== 'bot', el = h('div', { class: 'm ' + (me ? 'me' : 'bot') });
    if (me) el.textContent = text;
    else String(text).split(/(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/).forEach(function (part, i) {
      el.appendChild(i % 2 ? h('a', { href: part, target: '_blank', rel: 'noopener noreferrer', text: part }) : d.createTextNode(part));
    });
    U.log.appendChild(el);
    scrollDown();
    return el;
  }
  function typing(on) {
    if (on && !U.typing) {
      U.typing = h('div', { class: 'm bot ty', role: 'status', 'aria-label': t('typing', S.bot.name) }, [h('i'), h('i'), h('i')]);
      U.log.appendChild(U.typing); scrollDown();
    } else if (!on && U.typing) { U.typing.remove(); U.typing = null; }
  }
  function status(text, retry) {
    if (U.status) U.status.remove();
    U.status = text ? h('div', { class: 'st', role: 'status' }, [text, retry ? h('button', { type: 'button', text: t('retry'), onclick: retry }) : null]) : null;
    if (U.status) { U.log.appendChild(U.status); scrollDown(); }
  }

  function start(user) {
    S.starting = true;
    typing(true);
    persist('/conversations', {
      visitor_token: S.token, bot_id: S.bot.id, url: location.href, initiated_by: S.popped ? 'bot' : 'contact', timezone: TZ,
      language: LANG
    }, function (retry) { status(t('connecting'), retry); }).then(function (r) {
      S.starting = false; typing(false); status(null);
      var turn = r.data;
      if (r.status !== 200 && r.status !== 201 || !turn.conversation_id) {
        status(turn.detail || t('failed'), function () { status(null); start(user); });
        return;
      }
      // Resuming (after a reload) the server sends the whole transcript: show it at once.
      var resumed = !!stored.conversation_id && String(turn.conversation_id) === String(stored.conversation_id);
      stored = {};
      S.conv = { id: String(turn.conversation_id) };
      emit('started', { conversation_id: S.conv.id, bot_id: S.bot.id, resumed: resumed });
      play(turn, resumed, user);
    });
  }
  function restart() {
    S.conv = null; S.draft = null; S.err = null;
    U.log.textContent = ''; U.foot.textContent = '';
    start(true);
  }

  // A visitor line from the server's transcript, made readable (a booking's start, a skip).
  function visitorText(txt) {
    if (txt === 'Skip' || txt === TEXTS.de.skip) return t('skipped');
    return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(txt) && !isNaN(new Date(txt)) ? slotLabel({ start: txt }) : txt;
  }
  // Show a turn: each new bot message after a short typing pause, then the awaited input.
  // `instant` (a resumed transcript) replaces the log and shows it without pauses.
  function play(turn, instant, user) {
    var c = S.conv;
    c.awaiting = turn.awaiting || null; c.booking = turn.booking || null; c.ended = !!turn.ended;
    U.foot.textContent = '';
    if (instant) U.log.textContent = '';
    var msgs = (turn.messages || []).filter(function (m) { return m && m.text != null; });
    var seq = S.seq = (S.seq || 0) + 1, chain = Promise.resolve();
    var fast = instant || (w.matchMedia && matchMedia('(prefers-reduced-motion: reduce)').matches);
    msgs.forEach(function (m) {
      chain = chain.then(function () {
        if (fast || m.from === 'visitor') return;
        typing(true);
        return wait(Math.min(1100, Math.max(450, 250 + String(m.text).length * 12)));
      }).then(function () {
        typing(false);
        if (m.from === 'visitor') bubble('me', visitorText(String(m.text))); else bubble('bot', m.text);
      });
    });
    chain.then(function () {
      if (seq !== S.seq) return;
      save();
      renderFoot();
      if (user !== false) focusFoot();
      (turn.actions || []).forEach(function (x) {
        if (x && x.type === 'go_to_url' && /^https?:/i.test(new URL(x.url, location.href).protocol)) {
          setTimeout(function () { location.href = new URL(x.url, location.href).href; }, 1200);
        }
      });
    });
  }

  /* ---------- answering ---------- */
  function answer(a, value, shown) {
    var cid = uuid(), c = S.conv, pend = bubble('me', shown);
    pend.classList.add('pd');
    U.foot.textContent = '';
    S.err = null;
    var slow = setTimeout(function () { typing(true); }, 300);
    persist('/conversations/' + encodeURIComponent(c.id) + '/answers', {
      visitor_token: S.token, interaction_id: a.interaction_id, value: value, client_message_id: cid, timezone: TZ
    }, function (retry) { status(t('retrying'), retry); }).then(function (r) {
      clearTimeout(slow); typing(false); status(null);
      if (r.status === 200) {
        pend.classList.remove('pd');
        S.draft = null;
        if (a.interaction_id === '_consent') setConsent(value === true);
        emit('answered', { conversation_id: c.id, interaction_id: a.interaction_id, value: value });
        if (a.input === 'booking' && value) emit('booked', { conversation_id: c.id, start: value.start });
        play(r.data);
        return;
      }
      pend.remove();
      var data = r.data || {};
      if (r.status === 409 && data.turn) return play(data.turn, true); // answered elsewhere (another tab): catch up
      if (r.status === 409 && data.slots && c.booking) {
        c.booking.slots = data.slots;
        if (S.draft && S.draft.v) S.draft.v.slot = null;
      }
      if (r.status === 404 || r.status === 409 && !data.slots) { c.ended = true; c.awaiting = null; }
      S.err = data.detail || (r.status === 409 ? t('taken') : t('failed'));
      renderFoot();
      focusFoot();
    });
  }

  // Client-side checks before sending (the server checks again and has the last word).
  var EMAIL = /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+\.[^\s@<>()[\],;:"\\]{2,}$/;
  function check(a, raw) {
    var v = a.validation || {}, s = String(raw).trim();
    if (!s) return { err: t('required') };
    if (a.input === 'email') return EMAIL.test(s) ? { value: s } : { err: t('email') };
    if (a.input === 'phone') {
      var digits = s.replace(/\D/g, '').length;
      return /^\+?[0-9 ().\-/]+$/.test(s) && digits >= 7 && digits <= 15 ? { value: s } : { err: t('phone') };
    }
    if (a.input === 'number') {
      var n = Number(s.replace(',', '.'));
      if (!isFinite(n)) return { err: t('number') };
      if (v.min != null && n < v.min) return { err: t('min', v.min) };
      if (v.max != null && n > v.max) return { err: t('max', v.max) };
      return { value: n, shown: String(s) };
    }
    if (a.input === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return { err: t('date') };
      if (v.min && s < v.min) return { err: t('min', v.min) };
      if (v.max && s > v.max) return { err: t('max', v.max) };
      return { value: s, shown: fmt(new Date(s + 'T12:00:00Z'), { dateStyle: 'medium', timeZone: 'UTC' }) };
    }
    if (v.min_length && s.length < v.min_length) return { err: t('minLen', v.min_length) };
    if (v.max_length && s.length > v.max_length) return { err: t('maxLen', v.max_length) };
    return { value: s };
  }

  function errorLine() {
    return S.err ? h('div', { class: 'err', id: 'perr', role: 'alert', text: S.err }) : null;
  }
  function draftOf(a) { return S.draft && S.draft.id === a.interaction_id ? S.draft.v : undefined; }

  function renderFoot() {
    var c = S.conv, a = c && c.awaiting, f = U.foot;
    f.textContent = '';
    if (!c) return;
    if (!a) {
      if (c.ended) {
        f.appendChild(h('p', { class: 'end', text: S.err || t('ended') }));
        f.appendChild(h('button', { class: 'sec', type: 'button', text: t('restart'), onclick: restart }));
      }
      return scrollDown();
    }
    if (a.input === 'booking') booking(a);
    else if (a.confirm || a.input === 'yes_no' || a.interaction_id === '_consent') {
      choices(a, [{ value: true, label: t('yes') }, { value: false, label: t('no') }]);
    } else if (a.input === 'single_choice') choices(a, a.options || []);
    else if (a.input === 'multi_choice') multi(a);
    else textual(a);
    if (a.required === false) {
      f.appendChild(h('button', { class: 'sk', type: 'button', text: t('skip'), onclick: function () { answer(a, null, t('skipped')); } }));
    }
    scrollDown();
  }

  function choices(a, opts) {
    var box = h('div', { class: 'ch', role: 'group', 'aria-label': t('choices') });
    opts.forEach(function (o) {
      box.appendChild(h('button', { class: 'c', type: 'button', text: o.label, onclick: function () { answer(a, o.value, String(o.label)); } }));
    });
    U.foot.appendChild(box);
    var e = errorLine();
    if (e) U.foot.appendChild(e);
  }

  function multi(a) {
    var v = a.validation || {}, picked = (draftOf(a) || []).slice(), opts = a.options || [];
    S.draft = { id: a.interaction_id, v: picked };
    var box = h('div', { class: 'ch', role: 'group', 'aria-label': t('choices') });
    opts.forEach(function (o) {
      var b = h('button', { class: 'c', type: 'button', text: o.label, 'aria-pressed': String(picked.indexOf(o.value) >= 0) });
      b.addEventListener('click', function () {
        var i = picked.indexOf(o.value);
        if (i >= 0) picked.splice(i, 1); else picked.push(o.value);
        b.setAttribute('aria-pressed', String(i < 0));
        var old = U.foot.querySelector('.err');
        if (old) { old.remove(); S.err = null; }
      });
      box.appendChild(b);
    });
    U.foot.appendChild(box);
    U.foot.appendChild(h('button', { class: 'pri', type: 'button', text: t('send'), onclick: function () {
      var min = v.min != null ? v.min : a.required === false ? 0 : 1;
      if (picked.length < min) S.err = min > 1 ? t('pickN', min) : t('pick');
      else if (v.max != null && picked.length > v.max) S.err = t('pickMax', v.max);
      else {
        var vals = opts.map(function (o) { return o.value; }).filter(function (x) { return picked.indexOf(x) >= 0; });
        var labels = opts.filter(function (o) { return picked.indexOf(o.value) >= 0; }).map(function (o) { return o.label; });
        return answer(a, vals, labels.join(', '));
      }
      renderFoot(); focusFoot();
    } }));
    var e = errorLine();
    if (e) U.foot.appendChild(e);
  }

  function textual(a) {
    var long = a.input === 'long_text', v = a.validation || {};
    var type = { email: 'email', phone: 'tel', number: 'number', date: 'date' }[a.input] || 'text';
    var ph = { email: 'name@company.com', phone: '+1 555 123 4567' }[a.input] || (a.input === 'date' || a.input === 'number' ? null : t('type'));
    var input = h(long ? 'textarea' : 'input', {
      class: 'in', 'aria-label': t('answer'), placeholder: ph, type: long ? null : type, rows: long ? 3 : null,
      maxlength: v.max_length, min: type === 'number' || type === 'date' ? v.min : null, max: type === 'number' || type === 'date' ? v.max : null,
      step: type === 'number' ? 'any' : null, inputmode: a.input === 'number' ? 'decimal' : null, enterkeyhint: 'send',
      autocomplete: a.input === 'email' ? 'email' : a.input === 'phone' ? 'tel' : 'off',
      'aria-invalid': S.err ? 'true' : null, 'aria-describedby': S.err ? 'perr' : null
    });
    var kept = draftOf(a);
    if (kept != null) input.value = kept;
    function send() {
      var raw = input.value, r = check(a, raw);
      S.draft = { id: a.interaction_id, v: raw };
      if (r.err) { S.err = r.err; renderFoot(); focusFoot(); return; }
      answer(a, r.value, r.shown || String(r.value));
    }
    input.addEventListener('input', function () { S.draft = { id: a.interaction_id, v: input.value }; input.removeAttribute('aria-invalid'); });
    input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
    });
    U.foot.appendChild(h('div', { class: 'row' }, [input, h('button', { class: 'snd', type: 'button', 'aria-label': t('send'), onclick: send }, [icon('send')])]));
    var e = errorLine();
    if (e) U.foot.appendChild(e);
  }

  /* ---------- booking: slots grouped by day in the visitor's time zone, then the form ---------- */
  function booking(a) {
    var b = S.conv.booking || {}, f = U.foot, slots = b.slots || [];
    var dr = draftOf(a) || { fields: {} };
    S.draft = { id: a.interaction_id, v: dr };
    if (!dr.slot) {
      var e0 = errorLine();
      if (e0) { e0.style.margin = '0 0 8px'; f.appendChild(e0); }
      if (!slots.length) f.appendChild(h('p', { class: 'end', text: t('noSlots') }));
      else {
        var days = [], by = {};
        slots.forEach(function (s) {
          var k = dayKey(new Date(s.start));
          if (!by[k]) { by[k] = []; days.push(k); }
          by[k].push(s);
        });
        if (!by[dr.day]) dr.day = days[0];
        var dayRow = h('div', { class: 'days', role: 'group', 'aria-label': t('days') });
        days.forEach(function (k) {
          var first = new Date(by[k][0].start);
          dayRow.appendChild(h('button', {
            class: 'day', type: 'button', 'aria-pressed': String(k === dr.day), 'aria-label': fmt(first, { weekday: 'long', day: 'numeric', month: 'long' }),
            onclick: function () { dr.day = k; S.err = null; renderFoot(); var x = f.querySelector('.day[aria-pressed=true]'); if (x) x.focus(); }
          }, [fmt(first, { weekday: 'short' }), h('b', { text: fmt(first, { day: 'numeric' }) }), fmt(first, { month: 'short' })]));
        });
        var grid = h('div', { class: 'tms', role: 'group', 'aria-label': t('slots') });
        by[dr.day].forEach(function (s) {
          grid.appendChild(h('button', {
            class: 'tm', type: 'button', 'aria-label': slotLabel(s), text: fmt(new Date(s.start), { hour: 'numeric', minute: '2-digit' }),
            onclick: function () { dr.slot = s; S.err = null; renderFoot(); focusFoot(); }
          }));
        });
        f.appendChild(dayRow); f.appendChild(grid);
        f.appendChild(h('p', { class: 'note', text: t('times', TZ.replace(/_/g, ' ')) }));
      }
      return;
    }
    // The form: name and email always, then the calendar's own questions.
    var known = b.prefill || b.fields || {};
    var items = [{ field: 'first_name', required: true }, { field: 'last_name', required: false }, { field: 'email', required: true }];
    (b.form || []).forEach(function (x) {
      var same = items.filter(function (i) { return i.field === x.field; })[0];
      if (same) Object.assign(same, x); else items.push(Object.assign({}, x));
    });
    var inputs = {};
    function fieldEl(it) {
      var id = 'pf-' + it.field, kind = it.type || (it.field === 'email' ? 'email' : it.field === 'phone' ? 'phone' : 'text');
      var lab = it.label || (it.field === 'email' ? t('emailL') : L[it.field] || TEXTS.en[it.field] || it.field.replace(/_/g, ' ').replace(/^./, function (c) { return c.toUpperCase(); }));
      var el;
      if (it.options && it.options.length) {
        el = h('select', { class: 'in', id: id }, [h('option', { value: '', text: '' })].concat(it.options.map(function (o) { return h('option', { value: o.value, text: o.label }); })));
      } else {
        el = h('input', {
          class: 'in', id: id, type: { email: 'email', phone: 'tel', number: 'number', date: 'date' }[kind] || 'text',
          autocomplete: { first_name: 'given-name', last_name: 'family-name', email: 'email', phone: 'tel' }[it.field] || 'off'
        });
      }
      var val = dr.fields[it.field] != null ? dr.fields[it.field] : it.value != null ? it.value : known[it.field];
      if (val != null) el.value = val;
      el.addEventListener('input', function () { dr.fields[it.field] = el.value; el.removeAttribute('aria-invalid'); });
      el.addEventListener('change', function () { dr.fields[it.field] = el.value; });
      inputs[it.field] = { el: el, it: it, kind: kind };
      return h('div', {}, [h('label', { for: id }, [lab, it.required ? null : h('span', { text: ' (' + t('optional') + ')' })]), el]);
    }
    f.appendChild(h('div', { class: 'sel' }, [h('span', { text: slotLabel(dr.slot) }),
      h('button', { class: 'bk', type: 'button', onclick: function () { dr.slot = null; S.err = null; renderFoot(); focusFoot(); } }, [icon('back'), t('change')])]));
    var form = h('form', { class: 'fm', novalidate: true });
    form.appendChild(h('div', { class: 'two' }, [fieldEl(items[0]), fieldEl(items[1])]));
    items.slice(2).forEach(function (it) { form.appendChild(fieldEl(it)); });
    var e = errorLine();
    if (e) form.appendChild(e);
    form.appendChild(h('button', { class: 'pri', type: 'submit', text: t('book') }));
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var out = {}, bad = null;
      items.forEach(function (it) {
        var x = inputs[it.field], val = String(x.el.value).trim();
        x.el.removeAttribute('aria-invalid');
        var problem = !val ? (it.required ? t('required') : null) : x.kind === 'email' && !EMAIL.test(val) ? t('email') : null;
        if (problem && !bad) bad = { el: x.el, msg: problem };
        if (problem) x.el.setAttribute('aria-invalid', 'true');
        if (val) out[it.field] = val;
      });
      if (bad) { S.err = bad.msg; var old = form.querySelector('.err'); if (old) old.remove(); form.insertBefore(errorLine(), form.lastChild); bad.el.focus(); return; }
      answer(a, { start: dr.slot.start, fields: out }, slotLabel(dr.slot));
    });
    f.appendChild(form);
  }

  /* ---------- start-up ---------- */
  // The widget cannot work here (origin not allowed, unknown site key, server unreachable):
  // settle what the page queued instead of leaving it waiting.
  function giveUp(why) {
    if (w.console) console.warn('Parley: the widget is not available on this page (' + why + ')');
    S.loaded = true;
    emit('loaded', { bot: null, consent: null, returning: false, error: why });
    S.waiting.splice(0).forEach(function (fn) { fn(); });
  }
  function boot(tries) {
    var body = { url: location.href, title: d.title, referrer: d.referrer };
    if (stored.visitor_token) body.visitor_token = stored.visitor_token;
    post('/visits', body).then(function (r) {
      if (r.status === 404 && body.visitor_token) { wipe(); stored = {}; return boot(tries); }
      if (r.status === 429 || r.status >= 500) throw r;
      if (r.status !== 200 && r.status !== 201) return giveUp(r.status + (r.data.detail ? ': ' + r.data.detail : ''));
      var v = r.data;
      S.token = v.visitor_token;
      S.consent = v.consent;
      S.info = { consent: v.consent, returning: !!v.returning };
      if (!tracking()) { wipe(); stored = {}; } // consent withdrawn, or Do Not Track: forget
      var b = v.bot ? normBot(v.bot) : null, keep = stored.conversation_id && stored.bot && normBot(stored.bot);
      if (keep && (stored.open || !b || b.id === keep.id)) b = keep; else { keep = null; stored = { visitor_token: stored.visitor_token }; }
      S.bot = b;
      save();
      if (tracking()) pvStart(location.href, d.referrer);
      if (b) {
        build();
        if (keep && stored.open) openPanel(false);
        else if (!keep && b.reaching.length) S.roTimer = setTimeout(showPopup, b.delay * 1000);
      }
      S.loaded = true;
      emit('loaded', { bot: b ? { id: b.id, name: b.name } : null, consent: S.consent, returning: S.info.returning });
      S.waiting.splice(0).forEach(function (fn) { fn(); });
    }).catch(function () {
      tries = (tries || 0) + 1;
      // A refused origin looks like a network error to scripts (the 403 carries no CORS headers).
      if (tries < 4) setTimeout(function () { boot(tries); }, 1000 * Math.pow(2, tries));
      else giveUp('the Parley server could not be reached, or this origin is not allowed');
    });
  }

  /* ---------- the page's API: window.Parley ---------- */
  function call(path, body) {
    return whenLoaded(function () {
      if (!S.token) throw new Error('Parley: not available on this page');
      body.visitor_token = S.token;
      return post(path, body).then(function (r) {
        if (r.status >= 400) { var e = new Error(r.data.detail || 'HTTP ' + r.status); e.status = r.status; e.data = r.data; throw e; }
        return r.data;
      });
    });
  }
  var Parley = {
    version: '1',
    open: function () { return whenLoaded(function () { openPanel(true); }); },
    close: function () { closePanel(); },
    consent: function (granted) {
      granted = !!granted;
      return call('/consent', { granted: granted }).then(function (data) { setConsent(granted); return data; });
    },
    identify: function (o) {
      o = o || {};
      var body = { email: o.email, user_hash: o.user_hash };
      if (o.fields) body.fields = o.fields;
      return call('/identify', body);
    },
    track: function (url) {
      return whenLoaded(function () {
        var prev = S.url, next = url ? new URL(url, location.href).href : location.href;
        // The History API hook may have just counted this very navigation.
        if (next === prev && S.pv && now() - S.pv.t0 < 1000) return;
        S.url = next;
        pvStart(next, prev, true);
      });
    },
    on: function (name, fn) {
      if (typeof fn !== 'function') return noop;
      (S.handlers[name] = S.handlers[name] || []).push(fn);
      if (name === 'loaded' && S.loaded) { try { fn({ bot: S.bot ? { id: S.bot.id, name: S.bot.name } : null, consent: S.consent, returning: S.info && S.info.returning }); } catch (e) { /* theirs */ } }
      return function () { var l = S.handlers[name], i = l.indexOf(fn); if (i >= 0) l.splice(i, 1); };
    }
  };
  // Calls made before the widget loaded: window.Parley.q holds [method, [args...]] entries.
  function run(entry) {
    var a = Array.prototype.slice.call(entry || []), m = a.shift();
    if (a.length === 1 && Array.isArray(a[0])) a = a[0];
    if (typeof Parley[m] === 'function') {
      var r = Parley[m].apply(Parley, a);
      if (r && r.catch) r.catch(function (e) { if (w.console) console.warn(e); });
    }
  }
  var queued = (old && old.q) || [];
  Parley.q = { push: run };
  w.Parley = Parley;
  Array.prototype.forEach.call(queued, run);

  if (d.body) boot(); else d.addEventListener('DOMContentLoaded', function () { boot(); });
})(window, document);
