/*
 * Bilten Analytics browser SDK: the seed's TrackingService surface plus automatic page views
 * (including single-page-app navigation), heatmap clicks and hovers, scroll depth, Navigation
 * Timing, batching with retry, an offline queue and consent mode. No dependencies.
 *
 * Delivery is at-least-once from here and exactly-once in storage: every event carries a UUID
 * `messageId` and its `timestamp`, which the API turns into a deterministic key, so a retried or
 * replayed event overwrites itself instead of counting twice.
 */
(function (w, d) {
  'use strict';
  var nav = w.navigator, hist = w.history, loc = w.location;
  var KEY = 'bilten_', CONSENT = 'tracking_consent';
  var SESSION_MS = 18e5; // 30 minutes of inactivity end a session, as on the server
  var MAX_BATCH_BYTES = 4e5; // the API accepts 512 KB; leave room for the envelope
  var BEACON_BYTES = 6e4; // browsers cap beacon and keep-alive bodies at 64 KB
  var cfg = { endpoint: '', consent: false, debug: false, batchSize: 10, flushInterval: 5e3, maxQueue: 500, autocapture: true };
  var memory = {}, queue = [], token = null, started = false, sending = false;
  var attempt = 0, retryAt = 0, retryTimer = 0, interval = 0;
  var lastUrl = '', scrollMark = 0, hoverEl = null, hoverTimer = 0, hovers = 0;

  function debug(method, data) {
    var on = cfg.debug;
    try { on = on || w.localStorage.getItem('tracking_debug') === 'true'; } catch (e) { /* storage blocked */ }
    if (on) w.console.log('[Tracking Debug] ' + method + ':', data);
  }

  // Consent mode: nothing is sent and nothing but the choice itself is stored until consent.
  function consentValue() {
    try { return w.localStorage.getItem(CONSENT); } catch (e) { return memory[CONSENT]; }
  }
  function granted() { return !cfg.consent || consentValue() === 'granted'; }

  function load(name) {
    var raw = memory[name];
    if (raw === undefined && granted()) {
      try { raw = w.localStorage.getItem(KEY + name); } catch (e) { /* private mode: memory only */ }
    }
    try { return raw ? JSON.parse(raw) : null; } catch (e) { return null; }
  }
  function save(name, value) {
    var raw = JSON.stringify(value);
    if (granted()) {
      try { w.localStorage.setItem(KEY + name, raw); delete memory[name]; return; } catch (e) { /* quota or blocked */ }
    }
    memory[name] = raw;
  }

  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    var b = new Uint8Array(16), h = [];
    w.crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) h.push((b[i] + 256).toString(16).slice(1));
    h = h.join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function utmOf(search) {
    var out = null, params = new URLSearchParams(search);
    ['source', 'medium', 'campaign', 'term', 'content'].forEach(function (k) {
      var v = params.get('utm_' + k);
      if (v) (out = out || {})['utm_' + k] = v.slice(0, 256);
    });
    return out;
  }

  function session() {
    var now = Date.now(), s = load('session'), utm = utmOf(loc.search);
    if (!s || now - s.t > SESSION_MS) s = { id: 'session_' + now + '_' + Math.random().toString(36).slice(2, 11) };
    if (utm) s.u = utm; // first touch per session, a new campaign landing replaces it
    s.t = now;
    save('session', s);
    return s;
  }

  // ---- queue, batching, delivery -------------------------------------------------------------

  function enqueue(type, body) {
    if (cfg.consent && consentValue() === 'denied') return null;
    body.type = type;
    body.messageId = uuid();
    body.timestamp = new Date().toISOString();
    if (!body.sessionId) body.sessionId = session().id;
    debug(type, body);
    queue.push({ e: body, a: token });
    if (queue.length > cfg.maxQueue) queue.splice(0, queue.length - cfg.maxQueue);
    save('queue', queue);
    if (queue.length >= cfg.batchSize) flush();
    return body.messageId;
  }

  function forget(ids) {
    queue = queue.filter(function (q) { return !ids[q.e.messageId]; });
    save('queue', queue);
  }

  // Consecutive events of one identity, bounded in count and bytes.
  function nextBatch(limitBytes) {
    var auth = queue[0].a, events = [], ids = {}, bytes = 12;
    for (var i = 0; i < queue.length && events.length < 100; i++) {
      if (queue[i].a !== auth) break;
      var size = JSON.stringify(queue[i].e).length + 1;
      if (events.length && bytes + size > limitBytes) break;
      bytes += size;
      events.push(queue[i].e);
      ids[queue[i].e.messageId] = 1;
    }
    return { auth: auth, ids: ids, body: JSON.stringify({ events: events }) };
  }

  function headers(auth, type) {
    var h = { 'Content-Type': type || 'text/plain' }; // text/plain: no CORS preflight for anonymous posts
    if (auth) h.Authorization = 'Bearer ' + auth;
    return h;
  }

  function retry(response) {
    var wait = Math.min(6e4, 1e3 * Math.pow(2, attempt++));
    wait = wait / 2 + Math.random() * wait / 2; // exponential backoff with jitter
    var after = response && +response.headers.get('Retry-After');
    if (after) wait = Math.max(wait, after * 1e3);
    retryAt = Date.now() + wait;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, wait);
    debug('retry', { inMs: Math.round(wait), status: response ? response.status : 'network' });
  }

  function flush() {
    if (!started || sending || !queue.length || !granted() || nav.onLine === false || Date.now() < retryAt) return;
    var batch = nextBatch(MAX_BATCH_BYTES), ctl = w.AbortController && new AbortController();
    sending = true;
    if (ctl) setTimeout(function () { ctl.abort(); }, 15e3); // a stalled request must not block the queue
    fetch(cfg.endpoint + '/batch', { method: 'POST', headers: headers(batch.auth), body: batch.body, credentials: 'omit', signal: ctl && ctl.signal })
      .then(function (r) {
        sending = false;
        debug('flush', { status: r.status, events: Object.keys(batch.ids).length });
        if (r.status === 429 || r.status >= 500) return retry(r);
        // Accepted, or refused for good (400/401/403/413): retrying would not change the answer.
        attempt = 0;
        forget(batch.ids);
        if (queue.length >= cfg.batchSize) flush();
      }, function () {
        sending = false;
        retry();
      });
  }

  // Leaving the page: hand what is queued to the browser, which sends it after the page is gone.
  function flushOnExit() {
    if (!started || !granted() || nav.onLine === false) return;
    while (queue.length) {
      var batch = nextBatch(BEACON_BYTES);
      if (batch.auth) {
        // Beacons cannot carry a token; a keep-alive fetch can. Kept queued until answered,
        // so a lost one is replayed on the next page (the messageId makes that harmless).
        fetch(cfg.endpoint + '/batch', { method: 'POST', headers: headers(batch.auth), body: batch.body, keepalive: true, credentials: 'omit' })
          .then(function (r) { if (r.ok) forget(batch.ids); }, function () {});
        debug('keepalive', Object.keys(batch.ids).length);
        return;
      }
      if (!nav.sendBeacon || !nav.sendBeacon(cfg.endpoint + '/batch', batch.body)) return;
      debug('beacon', Object.keys(batch.ids).length);
      forget(batch.ids);
    }
  }

  // ---- public tracking calls (the seed's TrackingService) ------------------------------------

  function trackActivity(eventType, eventData, extra) {
    var body = { eventType: eventType, pageUrl: loc.href.slice(0, 2048) };
    if (eventData) body.eventData = eventData;
    for (var k in extra) body[k] = extra[k];
    return enqueue('activity', body);
  }

  function trackEventInteraction(eventId, interactionType, interactionData) {
    return enqueue('event-interaction', {
      eventId: String(eventId), interactionType: interactionType, pageUrl: loc.href.slice(0, 2048),
      interactionData: interactionData || {}
    });
  }

  function trackConversion(conversionType, conversionValue, conversionData) {
    var data = conversionData || {}, utm = session().u || {};
    var body = { conversionType: conversionType, conversionValue: +conversionValue || 0, pageUrl: loc.href.slice(0, 2048), conversionData: data };
    if (data.currency) body.currency = data.currency;
    if (data.eventId) body.eventId = String(data.eventId);
    if (data.campaignId || utm.utm_campaign) body.campaignId = data.campaignId || utm.utm_campaign;
    return enqueue('conversion', body);
  }

  function trackPerformance(sample) {
    var body = {};
    for (var k in sample) if (sample[k] !== null && sample[k] !== undefined) body[k] = sample[k];
    body.responseTime = Math.max(0, Math.round(body.responseTime));
    return enqueue('performance', body);
  }

  function trackPageView(how) {
    var url = loc.href.split('#')[0];
    if (url === lastUrl) return;
    var data = { title: d.title, path: loc.pathname }, utm = session().u;
    if (how) data.navigation = how;
    for (var k in utm) data[k] = utm[k];
    var ref = lastUrl || d.referrer;
    lastUrl = url;
    scrollMark = 0; hovers = 0; hoverEl = null;
    return trackActivity('page_view', data, ref ? { referrer: ref.slice(0, 2048) } : null);
  }

  // ---- automatic capture ---------------------------------------------------------------------

  function selector(el) {
    var parts = [];
    for (var i = 0; el && el.nodeType === 1 && i < 5; i++, el = el.parentElement) {
      if (el.id) { parts.unshift('#' + el.id); break; }
      var s = el.tagName.toLowerCase(), c = typeof el.className === 'string' ? el.className.trim().split(/\s+/).slice(0, 2) : [];
      if (c[0]) s += '.' + c.join('.');
      parts.unshift(s);
    }
    return parts.join(' > ').slice(0, 500);
  }

  function docHeight() { return Math.max(d.documentElement.scrollHeight, d.body ? d.body.scrollHeight : 0, w.innerHeight, 1); }
  function scrollDepth() { return Math.min(100, Math.round((w.scrollY + w.innerHeight) / docHeight() * 100)); }

  // Page coordinates plus the viewport and document sizes, so the server can normalise them.
  function heat(e, clicks, hoverCount) {
    return enqueue('heatmap', {
      pageUrl: loc.href.slice(0, 2048), xPosition: Math.max(0, Math.round(e.pageX)), yPosition: Math.max(0, Math.round(e.pageY)),
      viewportWidth: w.innerWidth, viewportHeight: w.innerHeight, documentHeight: docHeight(),
      elementSelector: selector(e.target), clickCount: clicks, hoverCount: hoverCount, scrollDepth: scrollDepth()
    });
  }

  function onClick(e) {
    heat(e, 1, 0);
    var t = e.target.closest && e.target.closest('a,button,input,select,textarea,[role=button],[data-track]');
    if (!t) return;
    var data = { selector: selector(t), tag: t.tagName.toLowerCase() };
    if (!/^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) data.text = (t.innerText || '').trim().slice(0, 64); // never field values
    if (t.href) data.href = String(t.href).slice(0, 512);
    if (t.id) data.elementId = t.id;
    trackActivity('click', data);
  }

  // A hover is the pointer resting 600 ms on a new element; at most 50 per page view.
  function onMove(e) {
    clearTimeout(hoverTimer);
    hoverTimer = setTimeout(function () {
      if (e.target !== hoverEl && hovers < 50) { hoverEl = e.target; hovers++; heat(e, 0, 1); }
    }, 600);
  }

  // Scroll depth in quarter milestones, each sent once per page view.
  var scrollTimer = 0;
  function onScroll() {
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(function () {
      var depth = scrollDepth(), mark = Math.floor(depth / 25) * 25;
      if (mark > scrollMark) { scrollMark = mark; trackActivity('scroll', { depth: mark, maxDepth: depth }); }
    }, 300);
  }

  function navigationTiming() {
    var n = w.performance && w.performance.getEntriesByType && w.performance.getEntriesByType('navigation')[0];
    if (!n || !n.loadEventEnd) return;
    trackPerformance({
      endpoint: 'page:' + loc.pathname.slice(0, 500), method: 'GET', statusCode: n.responseStatus || 200,
      responseTime: n.loadEventEnd - n.startTime
    });
  }

  function spa(method) {
    var original = hist[method];
    hist[method] = function () {
      var out = original.apply(this, arguments);
      if (method === 'pushState') trackPageView('pushState');
      else lastUrl = loc.href.split('#')[0]; // a replaced URL is the same page view
      return out;
    };
  }

  // ---- setup ---------------------------------------------------------------------------------

  function init(options) {
    for (var k in options) cfg[k] = options[k];
    cfg.endpoint = String(cfg.endpoint || '').replace(/\/+$/, '');
    debug('init', cfg);
    if (started) return api;
    started = true;
    var stored = load('queue');
    if (stored && stored.length) queue = stored.concat(queue); // replay what an earlier page left unsent
    interval = setInterval(flush, cfg.flushInterval);
    w.addEventListener('online', function () { attempt = 0; retryAt = 0; flush(); });
    w.addEventListener('pagehide', flushOnExit);
    d.addEventListener('visibilitychange', function () { if (d.visibilityState === 'hidden') flushOnExit(); });
    if (cfg.autocapture) {
      spa('pushState'); spa('replaceState');
      w.addEventListener('popstate', function () { trackPageView('popstate'); });
      d.addEventListener('click', onClick, true);
      d.addEventListener('mousemove', onMove, { passive: true });
      w.addEventListener('scroll', onScroll, { passive: true });
      trackPageView();
      if (d.readyState === 'complete') setTimeout(navigationTiming, 0);
      else w.addEventListener('load', function () { setTimeout(navigationTiming, 0); });
    }
    flush();
    return api;
  }

  function setConsent(yes) {
    try { w.localStorage.setItem(CONSENT, yes ? 'granted' : 'denied'); } catch (e) { memory[CONSENT] = yes ? 'granted' : 'denied'; }
    debug('setConsent', !!yes);
    if (yes) {
      for (var name in memory) if (name !== CONSENT) save(name, JSON.parse(memory[name]));
      flush();
    } else if (cfg.consent) {
      queue = []; memory = {};
      try { ['queue', 'session', 'variants'].forEach(function (n) { w.localStorage.removeItem(KEY + n); }); } catch (e) { /* blocked */ }
    }
  }

  function identify(jwt) {
    token = jwt || null;
    debug('identify', !!token);
  }

  // Sticky A/B variant from POST /experiments/{id}/assign, cached per experiment and visitor.
  function getVariant(experimentId) {
    var sid = session().id, key = experimentId + '|' + (token ? token.slice(-16) : sid), cache = load('variants') || {};
    if (cache[key]) return Promise.resolve(cache[key]);
    if (!granted()) return Promise.resolve(null);
    return fetch(cfg.endpoint + '/experiments/' + encodeURIComponent(experimentId) + '/assign', {
      method: 'POST', headers: headers(token, 'application/json'), body: JSON.stringify({ sessionId: sid }), credentials: 'omit'
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (j) {
      var variant = j && j.data && j.data.variant;
      debug('getVariant', { experimentId: experimentId, variant: variant });
      if (variant) { cache[key] = variant; save('variants', cache); }
      return variant || null;
    }, function () { return null; });
  }

  var api = {
    version: '1.0.0', init: init, identify: identify, setConsent: setConsent, getVariant: getVariant,
    trackActivity: function (t, data) { return trackActivity(t, data); },
    trackEventInteraction: trackEventInteraction, trackConversion: trackConversion, trackPerformance: trackPerformance,
    trackPageView: function () { lastUrl = ''; return trackPageView(); }, flush: flush,
    queued: function () { return queue.length; }
  };
  w.Bilten = w.TrackingService = api;
})(window, document);
