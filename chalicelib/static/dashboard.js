/*
 * Bilten Analytics dashboard: one page, vanilla JS, Chart.js 4 (UMD global `Chart`), no build step.
 *
 * Reads the tracking API with the signed-in admin/analyst token (sessionStorage, or #token=… once).
 * Every value from the API reaches the page through textContent or DOM properties, never HTML.
 * The overview refreshes every 5 s while the tab is visible; other panels load on demand and
 * whenever the time range changes.
 */
(function () {
  'use strict';

  var ROOT = window.BILTEN_ROOT || '';
  var API = ROOT + '/api/v1/tracking';
  var TOKEN_KEY = 'bilten.dashboard.token';
  var PREFS_KEY = 'bilten.dashboard.prefs';
  var REFRESH_MS = 5000;
  var EXPORT_POLL_MS = 1000;
  var HOUR = 3600e3;
  var DAY = 24 * HOUR;
  var RANGES = {
    '1h': { span: HOUR, unit: 'minute', step: 60e3, label: 'last hour', per: 'per minute' },
    '6h': { span: 6 * HOUR, unit: 'hour', step: HOUR, label: 'last 6 hours', per: 'per hour' },
    '24h': { span: DAY, unit: 'hour', step: HOUR, label: 'last 24 hours', per: 'per hour' },
    '7d': { span: 7 * DAY, unit: 'day', step: DAY, label: 'last 7 days', per: 'per day' },
    '30d': { span: 30 * DAY, unit: 'day', step: DAY, label: 'last 30 days', per: 'per day' }
  };
  var DEFAULT_RANGE = '24h';
  var DEFAULT_FUNNEL = [
    { name: 'Page view', eventType: 'page_view', kind: '' },
    { name: 'Event view', eventType: 'event_view', kind: '' },
    { name: 'Add to cart', eventType: 'add_to_cart', kind: '' },
    { name: 'Purchase', eventType: 'purchase', kind: '' }
  ];
  // Names the SDK and the demo send; merged with every type the real-time read reports.
  var KNOWN_TYPES = ['page_view', 'page_leave', 'event_view', 'search', 'button_click', 'scroll', 'add_to_cart',
    'purchase', 'registration', 'view', 'like', 'share', 'bookmark'];
  var DEFAULT_PAGE = 'https://bilten.com/events/evt-001';
  var NAME_RE = /^[A-Za-z0-9_.:\-]+$/;
  var MAX_STEPS = 10;
  var PALETTE = ['#5b3df5', '#12b5cb', '#f59e0b', '#ef4444', '#10b981', '#8b5cf6', '#ec4899', '#64748b'];
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  // ---- small helpers -----------------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  /** el('td', {className: 'num', title: 'x'}, ['text', node]): properties, never HTML. */
  function el(tag, props, children) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (key) {
        var value = props[key];
        if (value === undefined || value === null) return;
        if (key === 'dataset') Object.keys(value).forEach(function (k) { node.dataset[k] = value[k]; });
        else if (key === 'style') Object.keys(value).forEach(function (k) { node.style[k] = value[k]; });
        else if (key === 'attrs') Object.keys(value).forEach(function (k) { node.setAttribute(k, value[k]); });
        else node[key] = value;
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    });
    return node;
  }

  /** A table cell that carries its column name, so phones can show rows as labelled cards. */
  function cell(label, className, children, field) {
    return el('td', { className: className || '', dataset: field ? { label: label, field: field } : { label: label } }, children);
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : 0; }
  function fmtInt(v) { return Math.round(num(v)).toLocaleString('en-US'); }
  function fmtMoney(v) { return num(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
  function fmtMs(v) { return v === null || v === undefined ? '–' : fmtInt(v) + ' ms'; }
  /** A rate exactly as the API sent it (already rounded server-side), with a percent sign. */
  function pct(v) { return v === null || v === undefined ? '–' : String(v) + '%'; }
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function isoSeconds(ms) { return new Date(ms).toISOString().slice(0, 19) + 'Z'; }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    var s = Math.round(num(seconds));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + pad(s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + pad(Math.floor(s % 3600 / 60)) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor(s % 86400 / 3600) + 'h';
  }

  function utcLabel(ms, unit) {
    var d = new Date(ms);
    var hm = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
    if (unit === 'day') return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate();
    return hm;
  }

  /** "14:05" today (UTC), "Mar 4 14:05" on other days. */
  function shortTime(ms) {
    var d = new Date(ms);
    var hm = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
    return new Date().toISOString().slice(0, 10) === d.toISOString().slice(0, 10) ? hm : MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate() + ' ' + hm;
  }

  function utcLong(ms) {
    var d = new Date(ms);
    return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate() + ', ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ' UTC';
  }

  function store(kind) {
    try { return kind === 'session' ? window.sessionStorage : window.localStorage; } catch (e) { return null; }
  }
  function storeGet(kind, key) { var s = store(kind); try { return s ? s.getItem(key) : null; } catch (e) { return null; } }
  function storeSet(kind, key, value) {
    var s = store(kind);
    try { if (s) { if (value === null) s.removeItem(key); else s.setItem(key, value); } } catch (e) { /* private mode */ }
  }

  var prefs = (function () {
    try { return JSON.parse(storeGet('local', PREFS_KEY) || '{}') || {}; } catch (e) { return {}; }
  }());
  function savePrefs() { storeSet('local', PREFS_KEY, JSON.stringify(prefs)); }

  /** The JWT's claims, decoded for display only (the API verifies the signature). */
  function claimsOf(token) {
    try {
      var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      while (part.length % 4) part += '=';
      var text = decodeURIComponent(Array.prototype.map.call(atob(part), function (c) {
        return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
      }).join(''));
      var claims = JSON.parse(text);
      return claims && typeof claims === 'object' ? claims : null;
    } catch (e) {
      return null;
    }
  }

  // ---- API client --------------------------------------------------------------------------------

  function ApiError(status, code, message, details) {
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.message = message;
    this.details = details || [];
  }
  ApiError.prototype = Object.create(Error.prototype);
  ApiError.prototype.constructor = ApiError;

  var state = {
    token: null,
    claims: null,
    range: RANGES[prefs.range] ? prefs.range : DEFAULT_RANGE,
    abort: null,
    timer: null,
    charts: {},
    knownTypes: {},
    overviewLoaded: false,
    refreshing: 0
  };

  function api(method, path, body) {
    var headers = { Authorization: 'Bearer ' + state.token, Accept: 'application/json' };
    var init = { method: method, headers: headers, cache: 'no-store', signal: state.abort ? state.abort.signal : undefined };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(API + path, init).then(function (response) {
      return response.text().then(function (text) {
        var json = null;
        try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
        if (response.ok && json && json.success) return { status: response.status, data: json.data };
        var error = (json && json.error) || {};
        var message = error.message || (json && (json.message || json.Message)) || response.statusText || 'Request failed';
        throw new ApiError(response.status, error.code || 'HTTP_' + response.status, message, error.details);
      });
    }, function (failure) {
      if (failure && failure.name === 'AbortError') throw failure;
      throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the API. Is the server running?', []);
    });
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      if (params[key] !== undefined && params[key] !== null && params[key] !== '') {
        parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(params[key]));
      }
    });
    return parts.length ? '?' + parts.join('&') : '';
  }

  // ---- panels: loading, error and empty states ----------------------------------------------------

  function Panel(id, options) {
    this.id = id;
    this.el = $(id);
    this.statusEl = this.el.querySelector('[data-status]');
    this.emptyEl = this.el.querySelector('[data-empty]');
    this.core = !!(options && options.core);
    this.gen = 0;
    this.errorEl = null;
    this.retry = null;
  }

  /** Start a load; returns a token that `live()` checks so a stale answer is dropped. */
  Panel.prototype.begin = function (quiet) {
    this.gen += 1;
    if (!quiet) this.set('loading');
    return this.gen;
  };
  Panel.prototype.live = function (gen) { return gen === this.gen && !!state.token; };

  Panel.prototype.set = function (status, text) {
    this.el.dataset.state = status;
    this.el.setAttribute('aria-busy', status === 'loading' ? 'true' : 'false');
    clear(this.statusEl);
    if (status === 'loading') {
      this.statusEl.appendChild(el('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }));
      this.statusEl.appendChild(document.createTextNode(text || 'Loading…'));
    } else if (text) {
      this.statusEl.textContent = text;
    }
    if (status !== 'error' && this.errorEl) {
      this.errorEl.remove();
      this.errorEl = null;
    }
    if (this.emptyEl) this.emptyEl.hidden = status !== 'empty';
  };

  Panel.prototype.fail = function (error, retry) {
    if (error && error.name === 'AbortError') return;
    if (!state.token) return;
    if (error instanceof ApiError && (error.status === 401 || (error.status === 403 && this.core))) {
      authFailed(error);
      return;
    }
    this.set('error');
    var text = error instanceof ApiError ? error.message : 'Something went wrong while drawing this panel.';
    if (!(error instanceof ApiError) && window.console) window.console.warn(error);
    var box = el('div', { className: 'alert alert-error', attrs: { role: 'alert' } }, [
      el('strong', null, [!(error instanceof ApiError) ? 'Could not show this: '
        : error.status === 403 ? 'Not allowed: ' : error.status === 400 ? 'Check the input: ' : 'Could not load: ']),
      el('span', { className: 'error-message' }, [text])
    ]);
    if (error instanceof ApiError && error.details && error.details.length) {
      box.appendChild(el('ul', { className: 'error-details' }, error.details.map(function (d) {
        return el('li', null, [el('code', null, [String(d.field || '')]), ' ', String(d.message || '')]);
      })));
    }
    if (error instanceof ApiError && error.code) box.appendChild(el('span', { className: 'error-code' }, [error.code]));
    if (retry) {
      box.appendChild(el('button', { type: 'button', className: 'btn btn-small', textContent: 'Try again', onclick: retry }));
    }
    if (this.errorEl) this.errorEl.remove();
    this.errorEl = box;
    this.el.querySelector('.panel-head').insertAdjacentElement('afterend', box);
  };

  var panels = {};

  // ---- sign in / sign out ------------------------------------------------------------------------

  function showSignIn(message) {
    $('app').hidden = true;
    $('signin').hidden = false;
    var error = $('signin-error');
    error.hidden = !message;
    error.textContent = message || '';
    $('signin-submit').disabled = false;
    $('signin-submit').textContent = 'Sign in';
    document.title = 'Sign in — Bilten Analytics';
    var input = $('token-input');
    if (message) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
    input.focus();
  }

  function stopEverything() {
    if (state.abort) state.abort.abort();
    state.abort = null;
    clearTimeout(state.timer);
    state.timer = null;
    Object.keys(state.charts).forEach(function (key) { state.charts[key].destroy(); });
    state.charts = {};
    Object.keys(panels).forEach(function (key) { panels[key].gen += 1; });
    state.overviewLoaded = false;
    state.refreshing = 0;
  }

  function signOut(message) {
    stopEverything();
    state.token = null;
    state.claims = null;
    storeSet('session', TOKEN_KEY, null);
    $('token-input').value = '';
    showSignIn(message);
  }

  function authFailed(error) {
    var reason = error.status === 403
      ? 'This token may not read analytics (403 ' + error.code + '): ' + error.message + '. Use an admin or analyst token.'
      : 'The API refused this token (401 ' + error.code + '): ' + error.message + '. Sign in with a valid token.';
    signOut(reason);
  }

  function signIn(token, fromForm) {
    token = (token || '').trim().replace(/^Bearer\s+/i, '');
    if (!token) { showSignIn('Paste a token first.'); return; }
    var claims = claimsOf(token);
    if (!claims) { signOut('That does not look like a JWT (three dot-separated parts). Check the token and try again.'); return; }
    if (claims.exp && claims.exp * 1000 < Date.now()) {
      signOut('This token expired at ' + new Date(claims.exp * 1000).toISOString().replace('.000', '') + '. Mint a new one.');
      return;
    }
    stopEverything();
    state.token = token;
    state.claims = claims;
    state.abort = new AbortController();
    if (fromForm) {
      $('signin-submit').disabled = true;
      $('signin-submit').textContent = 'Signing in…';
    }
    // The real-time read doubles as the check that this token may read analytics.
    api('GET', '/real-time' + query({ timeRange: state.range })).then(function (answer) {
      if (state.token !== token) return;
      storeSet('session', TOKEN_KEY, token);
      startApp(answer.data);
    }, function (error) {
      if (error && error.name === 'AbortError') return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) authFailed(error);
      else signOut('Could not sign in: ' + (error && error.message ? error.message : String(error)));
    });
  }

  function startApp(firstOverview) {
    $('signin').hidden = true;
    $('app').hidden = false;
    document.title = 'Dashboard — Bilten Analytics';
    var role = state.claims.role || 'unknown role';
    $('who').textContent = (state.claims.sub || 'signed in') + ' · ' + role;
    $('who').title = state.claims.exp ? 'Token valid until ' + new Date(state.claims.exp * 1000).toISOString() : '';
    setRangeButtons();
    createCharts();
    renderFunnelSteps();
    applyOverview(firstOverview, panels.overview.begin(true));
    scheduleRefresh();
    loadRangePanels();
    loadExperiments();
  }

  // ---- time range --------------------------------------------------------------------------------

  function setRangeButtons() {
    Array.prototype.forEach.call(document.querySelectorAll('#range [data-range]'), function (button) {
      var on = button.dataset.range === state.range;
      button.setAttribute('aria-checked', on ? 'true' : 'false');
      button.classList.toggle('on', on);
      button.tabIndex = on ? 0 : -1;
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-range-label]'), function (node) {
      node.textContent = RANGES[state.range].label;
    });
    Array.prototype.forEach.call(document.querySelectorAll('[data-granularity]'), function (node) {
      node.textContent = RANGES[state.range].per + ', by event type';
    });
  }

  function chooseRange(range) {
    if (!RANGES[range] || range === state.range) return;
    state.range = range;
    prefs.range = range;
    savePrefs();
    setRangeButtons();
    state.overviewLoaded = false;
    refreshOverview(true);
    loadRangePanels();
  }

  function loadRangePanels() {
    runFunnel();
    loadCampaigns();
    var page = $('heatmap-page').value.trim();
    if (page) loadHeatmap(page);
    var user = $('journey-user').value.trim();
    if (user && panels.journey.el.dataset.state !== 'idle') loadJourney(user);
  }

  // ---- overview (real time) ----------------------------------------------------------------------

  function scheduleRefresh() {
    clearTimeout(state.timer);
    state.timer = null;
    if (!state.token) return;
    if (document.hidden) { setLive('paused'); return; }
    state.timer = setTimeout(refreshOverview, REFRESH_MS);
  }

  function setLive(mode, text) {
    var live = $('live');
    live.dataset.mode = mode;
    if (text) $('last-updated').textContent = text;
    else if (mode === 'paused') $('last-updated').textContent = 'Paused while the tab is hidden';
  }

  /** One real-time read; `force` replaces a read in flight (its answer is then dropped). */
  function refreshOverview(force) {
    if (!state.token || (state.refreshing && force !== true)) return;
    clearTimeout(state.timer);
    var panel = panels.overview;
    var quiet = state.overviewLoaded;
    var gen = panel.begin(quiet);
    if (!quiet) panels.performance.begin();
    state.refreshing = gen;
    setLive('loading', quiet ? $('last-updated').textContent : 'Loading…');
    api('GET', '/real-time' + query({ timeRange: state.range })).then(function (answer) {
      if (state.refreshing === gen) state.refreshing = 0;
      if (!panel.live(gen)) return;  // replaced by a newer read, which schedules the next one
      applyOverview(answer.data, gen);
      scheduleRefresh();
    }, function (error) {
      if (state.refreshing === gen) state.refreshing = 0;
      if (!panel.live(gen)) return;
      panel.fail(error, function () { refreshOverview(true); });
      if (!state.token) return;
      panels.performance.set('idle');
      setLive('error', 'Update failed, retrying in 5 s');
      scheduleRefresh();
    });
  }

  function applyOverview(data, gen) {
    if (!panels.overview.live(gen)) return;
    try {
      renderOverview(data);
      state.overviewLoaded = true;
      panels.overview.set('ready');
      var updated = Date.parse(data.lastUpdated);
      setLive('live', 'Live · updated ' + (isFinite(updated) ? new Date(updated).toISOString().slice(11, 19) + ' UTC' : String(data.lastUpdated)));
      $('last-updated').parentNode.title = 'Last updated ' + String(data.lastUpdated) + ' · refreshes every 5 s while visible';
    } catch (error) {
      panels.overview.fail(error, function () { refreshOverview(true); });
    }
  }

  /** Every bucket of the range, oldest first (the API only returns buckets that have data). */
  function bucketsOf(range, nowMs) {
    var spec = RANGES[range];
    function floor(ms) {
      if (spec.unit === 'day') { var d = new Date(ms); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()); }
      return Math.floor(ms / spec.step) * spec.step;
    }
    var out = [];
    for (var t = floor(nowMs - spec.span); t <= floor(nowMs); t += spec.step) out.push(t);
    return out;
  }

  function sumBy(rows, field) { return rows.reduce(function (acc, row) { return acc + num(row[field]); }, 0); }

  function setKpi(id, value, sub) {
    var node = $(id);
    node.querySelector('[data-value]').textContent = value;
    if (sub !== undefined) node.querySelector('[data-sub]').textContent = sub;
  }

  function renderOverview(data) {
    var activity = Array.isArray(data.realTimeActivity) ? data.realTimeActivity : [];
    var conversions = Array.isArray(data.realTimeConversions) ? data.realTimeConversions : [];
    var perf = Array.isArray(data.performanceMetrics) ? data.performanceMetrics : [];
    var range = RANGES[data.timeRange] ? data.timeRange : state.range;
    var now = Date.parse(data.lastUpdated);
    if (!isFinite(now)) now = Date.now();

    // KPIs
    var events = sumBy(activity, 'count');
    var views = sumBy(activity.filter(function (r) { return r.event_type === 'page_view'; }), 'count');
    var convCount = sumBy(conversions, 'count');
    var convValue = sumBy(conversions, 'total_value');
    var requests = sumBy(perf, 'request_count');
    var errors = sumBy(perf, 'error_count');
    var slowest = perf.filter(function (r) { return r.p95_response_time !== null && r.p95_response_time !== undefined; })
      .sort(function (a, b) { return b.p95_response_time - a.p95_response_time; })[0];
    setKpi('kpi-events', fmtInt(events), fmtInt(views) + ' page views');
    var byType = {};
    conversions.forEach(function (r) { byType[r.conversion_type] = (byType[r.conversion_type] || 0) + num(r.count); });
    var typeText = Object.keys(byType).sort(function (a, b) { return byType[b] - byType[a]; }).slice(0, 3)
      .map(function (t) { return fmtInt(byType[t]) + ' ' + t; }).join(' · ');
    setKpi('kpi-conversions', fmtInt(convCount), typeText || 'none yet');
    setKpi('kpi-revenue', fmtMoney(convValue), convCount ? fmtMoney(convValue / convCount) + ' per conversion' : 'no conversions');
    setKpi('kpi-active', fmtInt(data.activeSessions));
    setKpi('kpi-p95', slowest ? fmtMs(slowest.p95_response_time) : '–', slowest ? slowest.endpoint : 'no samples');
    setKpi('kpi-errors', requests ? (Math.round(1000 * errors / requests) / 10) + '%' : '–',
      requests ? fmtInt(errors) + ' of ' + fmtInt(requests) + ' requests' : 'no samples');

    // Known event types for the funnel builder.
    var added = false;
    activity.forEach(function (r) { if (!state.knownTypes[r.event_type]) { state.knownTypes[r.event_type] = true; added = true; } });
    conversions.forEach(function (r) { if (!state.knownTypes[r.conversion_type]) { state.knownTypes[r.conversion_type] = true; added = true; } });
    if (added) fillKnownTypes();

    // Activity chart: stacked per event type (top 7 + other).
    var buckets = bucketsOf(range, now);
    var index = {};
    buckets.forEach(function (t, i) { index[isoSeconds(t)] = i; });
    var totals = {};
    activity.forEach(function (r) { totals[r.event_type] = (totals[r.event_type] || 0) + num(r.count); });
    var types = Object.keys(totals).sort(function (a, b) { return totals[b] - totals[a] || (a < b ? -1 : 1); });
    var shown = types.slice(0, 7);
    var series = {};
    shown.forEach(function (t) { series[t] = buckets.map(function () { return 0; }); });
    var other = buckets.map(function () { return 0; });
    activity.forEach(function (r) {
      var i = index[r.time_bucket];
      if (i === undefined) return;
      if (series[r.event_type]) series[r.event_type][i] += num(r.count); else other[i] += num(r.count);
    });
    var datasets = shown.map(function (t, i) {
      return { label: t, data: series[t], backgroundColor: PALETTE[i % PALETTE.length], borderRadius: 2, stack: 'a' };
    });
    if (types.length > shown.length) datasets.push({ label: 'other', data: other, backgroundColor: '#cbd5e1', borderRadius: 2, stack: 'a' });
    var labels = buckets.map(function (t) { return utcLabel(t, RANGES[range].unit); });
    updateChart('activity', labels, datasets, buckets);
    $('activity-empty').hidden = events > 0;

    // Conversion chart: counts per type (bars) and total value (line, right axis).
    var convTypes = Object.keys(byType).sort();
    var countSets = convTypes.map(function (t, i) {
      var values = buckets.map(function () { return 0; });
      conversions.forEach(function (r) { var j = index[r.time_bucket]; if (j !== undefined && r.conversion_type === t) values[j] += num(r.count); });
      return { type: 'bar', label: t, data: values, backgroundColor: PALETTE[(i + 4) % PALETTE.length], stack: 'c', yAxisID: 'y', borderRadius: 2, order: 2 };
    });
    var valueLine = buckets.map(function () { return 0; });
    conversions.forEach(function (r) { var j = index[r.time_bucket]; if (j !== undefined) valueLine[j] += num(r.total_value); });
    countSets.push({
      type: 'line', label: 'value', data: valueLine.map(function (v) { return Math.round(v * 100) / 100; }), yAxisID: 'y1',
      borderColor: '#5b3df5', backgroundColor: 'rgba(91,61,245,.10)', fill: true, cubicInterpolationMode: 'monotone', pointRadius: 0, pointHoverRadius: 4, borderWidth: 2, order: 1
    });
    updateChart('conversion', labels, countSets, buckets);
    $('conversion-empty').hidden = convCount > 0;

    renderPerformance(perf);
  }

  function renderPerformance(perf) {
    var panel = panels.performance;
    var body = $('perf-table').tBodies[0];
    clear(body);
    perf.forEach(function (row) {
      var errorRate = row.request_count ? Math.round(1000 * num(row.error_count) / row.request_count) / 10 : 0;
      body.appendChild(el('tr', { dataset: { endpoint: String(row.endpoint) } }, [
        el('th', { scope: 'row', className: 'mono' }, [String(row.endpoint)]),
        cell('Requests', 'num', [fmtInt(row.request_count)]),
        cell('Errors', 'num' + (row.error_count ? ' bad' : ''), [fmtInt(row.error_count), row.error_count ? el('span', { className: 'muted' }, [' (' + errorRate + '%)']) : null]),
        cell('Avg', 'num', [fmtMs(row.avg_response_time)]),
        cell('p95', 'num strong', [fmtMs(row.p95_response_time)])
      ]));
    });
    var chart = state.charts.p95;
    if (chart) {
      chart.data.labels = perf.map(function (r) { return String(r.endpoint); });
      chart.data.datasets[0].data = perf.map(function (r) { return r.p95_response_time; });
      chart.data.datasets[1].data = perf.map(function (r) { return r.avg_response_time; });
      chart.update('none');
    }
    $('performance').querySelector('.split').hidden = !perf.length;
    panel.set(perf.length ? 'ready' : 'empty');
  }

  // ---- charts ------------------------------------------------------------------------------------

  function createCharts() {
    if (typeof window.Chart !== 'function') return;
    var C = window.Chart;
    C.defaults.font.family = getComputedStyle(document.body).fontFamily;
    C.defaults.font.size = 12;
    C.defaults.color = '#667085';
    C.defaults.borderColor = '#eaecf0';
    var tooltipTitle = function (items) {
      if (!items.length) return '';
      var chart = items[0].chart;
      var t = chart.$buckets && chart.$buckets[items[0].dataIndex];
      if (t === undefined) return items[0].label;
      return RANGES[state.range].unit === 'day' ? utcLabel(t, 'day') + ' (UTC day)' : utcLong(t);
    };
    var common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: { duration: 300 },
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true, padding: 12 } },
        tooltip: { callbacks: { title: tooltipTitle } }
      }
    };
    state.charts.activity = new C($('activity-chart'), {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: Object.assign({}, common, {
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        }
      })
    });
    state.charts.conversion = new C($('conversion-chart'), {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: Object.assign({}, common, {
        scales: {
          x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'conversions' } },
          y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'value' } }
        }
      })
    });
    state.charts.p95 = new C($('p95-chart'), {
      type: 'bar',
      data: {
        labels: [],
        datasets: [
          { label: 'p95', data: [], backgroundColor: '#5b3df5', borderRadius: 3 },
          { label: 'average', data: [], backgroundColor: '#c7bfff', borderRadius: 3 }
        ]
      },
      options: Object.assign({}, common, {
        indexAxis: 'y',
        interaction: { mode: 'index', intersect: false, axis: 'y' },
        plugins: Object.assign({}, common.plugins, {
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + ': ' + fmtMs(item.raw); } } }
        }),
        scales: {
          x: { beginAtZero: true, title: { display: true, text: 'ms' } },
          y: { grid: { display: false }, ticks: { callback: function (value) { var l = this.getLabelForValue(value); return l.length > 22 ? '…' + l.slice(-21) : l; } } }
        }
      })
    });
  }

  function updateChart(key, labels, datasets, buckets) {
    var chart = state.charts[key];
    if (!chart) return;
    chart.$buckets = buckets;
    chart.data.labels = labels;
    // Keep dataset objects when the series are the same, so a refresh redraws without flicker.
    var same = chart.data.datasets.length === datasets.length && chart.data.datasets.every(function (d, i) { return d.label === datasets[i].label; });
    if (same) chart.data.datasets.forEach(function (d, i) { d.data = datasets[i].data; });
    else chart.data.datasets = datasets;
    chart.update(same ? 'none' : undefined);
  }

  // ---- funnel builder ----------------------------------------------------------------------------

  var funnel = {
    steps: Array.isArray(prefs.funnelSteps) && prefs.funnelSteps.length ? prefs.funnelSteps.slice(0, MAX_STEPS) : DEFAULT_FUNNEL.map(function (s) { return Object.assign({}, s); }),
    mode: prefs.funnelMode === 'strict' ? 'strict' : 'ordered',
    window: typeof prefs.funnelWindow === 'number' ? prefs.funnelWindow : 14
  };

  function saveFunnel() {
    prefs.funnelSteps = funnel.steps;
    prefs.funnelMode = funnel.mode;
    prefs.funnelWindow = funnel.window;
    savePrefs();
  }

  function fillKnownTypes() {
    var list = $('known-types');
    clear(list);
    var names = {};
    KNOWN_TYPES.forEach(function (t) { names[t] = true; });
    Object.keys(state.knownTypes).forEach(function (t) { names[t] = true; });
    Object.keys(names).sort().forEach(function (t) { list.appendChild(el('option', { value: t })); });
  }

  function stepButton(label, text, handler, disabled) {
    return el('button', { type: 'button', className: 'btn btn-icon', textContent: text, title: label, disabled: !!disabled, onclick: handler, attrs: { 'aria-label': label } });
  }

  function renderFunnelSteps(focus) {
    var list = $('funnel-steps');
    clear(list);
    funnel.steps.forEach(function (step, i) {
      var n = i + 1;
      var name = el('input', { type: 'text', className: 'step-name', value: step.name || '', placeholder: 'Step name', maxLength: 100, attrs: { 'aria-label': 'Step ' + n + ' name' } });
      var type = el('input', { type: 'text', className: 'step-type', value: step.eventType || '', placeholder: 'event type', maxLength: 64, spellcheck: false, autocomplete: 'off', attrs: { list: 'known-types', 'aria-label': 'Step ' + n + ' event type' } });
      var kind = el('select', { className: 'step-kind', attrs: { 'aria-label': 'Step ' + n + ' kind' } }, [
        el('option', { value: '', textContent: 'any kind' }),
        el('option', { value: 'activity', textContent: 'activity' }),
        el('option', { value: 'interaction', textContent: 'interaction' }),
        el('option', { value: 'conversion', textContent: 'conversion' })
      ]);
      kind.value = step.kind || '';
      name.addEventListener('input', function () { step.name = name.value; saveFunnel(); });
      type.addEventListener('input', function () { step.eventType = type.value; type.removeAttribute('aria-invalid'); saveFunnel(); });
      kind.addEventListener('change', function () { step.kind = kind.value; saveFunnel(); });
      var actions = el('div', { className: 'step-actions' }, [
        stepButton('Move step ' + n + ' up', '↑', function () { moveStep(i, -1); }, i === 0),
        stepButton('Move step ' + n + ' down', '↓', function () { moveStep(i, 1); }, i === funnel.steps.length - 1),
        stepButton('Remove step ' + n, '✕', function () { removeStep(i); }, funnel.steps.length <= 1)
      ]);
      list.appendChild(el('li', { className: 'step', dataset: { index: String(i) } }, [
        el('span', { className: 'step-num', attrs: { 'aria-hidden': 'true' } }, [String(n)]), name, type, kind, actions
      ]));
      if (focus && focus.index === i) {
        var target = focus.what === 'type' ? type : actions.querySelector(focus.what === 'up' ? 'button:nth-child(1)' : 'button:nth-child(2)');
        if (target && !target.disabled) target.focus(); else type.focus();
      }
    });
    $('funnel-add').disabled = funnel.steps.length >= MAX_STEPS;
    $('funnel-mode').value = funnel.mode;
    $('funnel-window').value = String(funnel.window);
  }

  function moveStep(i, delta) {
    var j = i + delta;
    if (j < 0 || j >= funnel.steps.length) return;
    var moved = funnel.steps.splice(i, 1)[0];
    funnel.steps.splice(j, 0, moved);
    saveFunnel();
    renderFunnelSteps({ index: j, what: delta < 0 ? 'up' : 'down' });
  }

  function removeStep(i) {
    if (funnel.steps.length <= 1) return;
    funnel.steps.splice(i, 1);
    saveFunnel();
    renderFunnelSteps({ index: Math.max(0, i - 1), what: 'type' });
  }

  function addStep() {
    if (funnel.steps.length >= MAX_STEPS) return;
    funnel.steps.push({ name: '', eventType: '', kind: '' });
    saveFunnel();
    renderFunnelSteps({ index: funnel.steps.length - 1, what: 'type' });
  }

  /** The request body, or a list of problems to show next to the inputs. */
  function funnelRequest() {
    var problems = [];
    var inputs = document.querySelectorAll('#funnel-steps .step-type');
    var steps = funnel.steps.map(function (step, i) {
      var type = (step.eventType || '').trim();
      if (!type || !NAME_RE.test(type)) {
        problems.push({ field: 'funnelSteps.' + i + '.eventType', message: type ? 'letters, digits and _ . : - only' : 'is required' });
        if (inputs[i]) inputs[i].setAttribute('aria-invalid', 'true');
      }
      var body = { name: (step.name || '').trim() || type || 'Step ' + (i + 1), eventType: type };
      if (step.kind) body.kind = step.kind;
      return body;
    });
    var windowDays = parseFloat($('funnel-window').value);
    if (!(windowDays > 0 && windowDays <= 90)) problems.push({ field: 'conversionWindowDays', message: 'must be more than 0 and at most 90 days' });
    return {
      problems: problems,
      body: { funnelSteps: steps, timeRange: state.range, mode: funnel.mode, conversionWindowDays: windowDays }
    };
  }

  function runFunnel() {
    if (!state.token) return;
    var panel = panels.funnel;
    var request = funnelRequest();
    if (request.problems.length) {
      panel.gen += 1;  // drop any answer still on its way
      $('funnel-run').disabled = false;
      clear($('funnel-result'));
      panel.fail(new ApiError(400, 'VALIDATION_ERROR', 'Fix the highlighted steps and try again.', request.problems));
      return;
    }
    var gen = panel.begin();
    $('funnel-run').disabled = true;
    api('POST', '/funnel-analysis', request.body).then(function (answer) {
      if (!panel.live(gen)) return;
      $('funnel-run').disabled = false;
      renderFunnel(answer.data);
      panel.set(answer.data.funnelSteps.length && answer.data.funnelSteps[0].count ? 'ready' : 'empty');
    }, function (error) {
      if (!panel.live(gen)) return;
      $('funnel-run').disabled = false;
      clear($('funnel-result'));
      if (error instanceof ApiError) {
        var inputs = document.querySelectorAll('#funnel-steps .step-type');
        (error.details || []).forEach(function (d) {
          var m = /^funnelSteps\.(\d+)\.eventType/.exec(String(d.field || ''));
          if (m && inputs[+m[1]]) inputs[+m[1]].setAttribute('aria-invalid', 'true');
        });
      }
      panel.fail(error, runFunnel);
    });
  }

  function stat(label, valueNode, field, raw) {
    return el('div', { className: 'fstat' }, [
      el('span', { className: 'fstat-value', dataset: { field: field, value: String(raw) } }, [valueNode]),
      el('span', { className: 'fstat-label' }, [label])
    ]);
  }

  function renderFunnel(data) {
    var out = clear($('funnel-result'));
    var rows = data.funnelSteps || [];
    var first = rows.length ? num(rows[0].count) : 0;
    var last = rows.length ? num(rows[rows.length - 1].count) : 0;
    out.appendChild(el('div', { className: 'funnel-summary' }, [
      el('div', { className: 'big' }, [
        el('span', { id: 'funnel-overall', dataset: { value: String(data.overallConversionRate) } }, [pct(data.overallConversionRate)]),
        el('span', { className: 'big-label' }, ['overall conversion'])
      ]),
      el('p', { className: 'muted' }, [
        fmtInt(last) + ' of ' + fmtInt(first) + ' people completed all ' + rows.length + ' steps · ' +
        (data.mode === 'strict' ? 'strict order' : 'in order') + ' · within ' + data.conversionWindowDays + ' day' +
        (data.conversionWindowDays === 1 ? '' : 's') + ' · ' + (RANGES[data.timeRange] ? RANGES[data.timeRange].label : data.timeRange)
      ])
    ]));
    if (!first) {
      out.appendChild(el('p', { className: 'empty' }, ['Nobody did the first step (' + (rows[0] ? rows[0].eventType : '') + ') in this time range. Try a longer range or another event type.']));
    }
    var list = el('ol', { className: 'fsteps' });
    rows.forEach(function (row, i) {
      var width = Math.max(0, Math.min(100, num(row.conversionRate)));
      var narrow = width < 14;  // the count goes beside a short bar, not on it
      var bar = el('div', { className: 'fbar' + (narrow ? ' narrow' : '') }, [
        el('div', { className: 'fbar-fill', style: { width: width + '%' } }),
        el('span', { className: 'fbar-text', style: narrow ? { left: 'calc(' + width + '% + 8px)' } : {}, dataset: { field: 'count', value: String(row.count) } }, [fmtInt(row.count)])
      ]);
      var stats = el('div', { className: 'fstats' }, [
        stat('of step 1', pct(row.conversionRate), 'conversionRate', row.conversionRate),
        stat(i ? 'from previous step' : 'entered', pct(row.stepConversionRate), 'stepConversionRate', row.stepConversionRate),
        stat('dropped off', i ? fmtInt(row.dropOff) : '–', 'dropOff', row.dropOff),
        stat('median time', i ? duration(row.medianTimeToConvert) : '–', 'medianTimeToConvert', row.medianTimeToConvert)
      ]);
      list.appendChild(el('li', { className: 'fstep', dataset: { step: String(i) } }, [
        el('div', { className: 'fstep-head' }, [
          el('span', { className: 'step-num' }, [String(i + 1)]),
          el('span', { className: 'fstep-name' }, [String(row.step)]),
          el('code', null, [String(row.eventType)])
        ]),
        bar,
        stats
      ]));
    });
    out.appendChild(list);
  }

  // ---- user journey ------------------------------------------------------------------------------

  function loadJourney(userId) {
    var panel = panels.journey;
    var out = $('journey-result');
    userId = (userId || '').trim();
    if (!userId) {
      panel.fail(new ApiError(400, 'VALIDATION_ERROR', 'Enter a user id.', []));
      return;
    }
    var now = Date.now();
    var gen = panel.begin();
    api('GET', '/user-journey/' + encodeURIComponent(userId) + query({
      startDate: isoSeconds(now - RANGES[state.range].span), endDate: isoSeconds(now)
    })).then(function (answer) {
      if (!panel.live(gen)) return;
      prefs.journeyUser = userId;
      savePrefs();
      renderJourney(answer.data, out);
      panel.set(answer.data.totalSessions || answer.data.totalEvents ? 'ready' : 'empty');
    }, function (error) {
      if (!panel.live(gen)) return;
      clear(out);
      panel.fail(error, function () { loadJourney(userId); });
    });
  }

  /** "https://bilten.com/events/evt-001?x=1" → "/events/evt-001?x=1" (the full URL stays in the title). */
  function pathOf(url) {
    var m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
    return m ? (m[1] || '/') : url;
  }

  function statCard(label, value, id) {
    return el('div', { className: 'mini', id: id }, [el('span', { className: 'mini-value' }, [value]), el('span', { className: 'mini-label' }, [label])]);
  }

  function barList(entries, emptyText, className) {
    if (!entries.length) return el('p', { className: 'empty small' }, [emptyText]);
    var max = entries.reduce(function (m, e) { return Math.max(m, e.count); }, 0) || 1;
    return el('ol', { className: 'barlist ' + (className || '') }, entries.map(function (e) {
      return el('li', null, [
        el('span', { className: 'barlist-fill', style: { width: (100 * e.count / max) + '%' } }),
        el('span', { className: 'barlist-label', title: e.title || e.label }, [e.label]),
        el('span', { className: 'barlist-count' }, [fmtInt(e.count)])
      ]);
    }));
  }

  function renderJourney(data, out) {
    clear(out);
    var analysis = data.journeyAnalysis || {};
    if (!data.totalSessions && !data.totalEvents && !data.totalInteractions) {
      out.appendChild(el('p', { className: 'empty' }, ['No activity for ' + String(data.userId) + ' in the ' + RANGES[state.range].label + '.']));
      return;
    }
    out.appendChild(el('div', { className: 'minis' }, [
      statCard('sessions', fmtInt(data.totalSessions), 'journey-sessions'),
      statCard('events', fmtInt(data.totalEvents), 'journey-events'),
      statCard('interactions', fmtInt(data.totalInteractions), 'journey-interactions'),
      statCard('avg. session', duration(analysis.sessionDuration), 'journey-duration'),
      statCard('bounce rate', pct(analysis.bounceRate), 'journey-bounce')
    ]));
    var pages = analysis.mostVisitedPages || {};
    var pageEntries = Object.keys(pages).map(function (p) { return { label: p, count: num(pages[p]) }; });
    var flows = Array.isArray(analysis.commonFlows) ? analysis.commonFlows : [];
    var flowEntries = flows.filter(function (f) { return f.type === 'transition'; }).slice(0, 6)
      .concat(flows.filter(function (f) { return f.type === 'path'; }).slice(0, 4))
      .map(function (f) { var text = (f.path || []).map(String).join(' → '); return { label: text, count: num(f.count), title: f.type + ': ' + text }; });
    out.appendChild(el('div', { className: 'two' }, [
      el('div', null, [el('h3', null, ['Most visited pages']), barList(pageEntries, 'No page views.', 'journey-pages')]),
      el('div', null, [el('h3', null, ['Common flows']), barList(flowEntries, 'Not enough page views for flows yet.', 'journey-flows')])
    ]));
    var rows = (data.userActivity || []).slice(0, 8);
    if (rows.length) {
      var pagesSeen = {};
      rows.forEach(function (r) { if (r.page_url) pagesSeen[r.page_url] = true; });
      rememberPages(Object.keys(pagesSeen));
      out.appendChild(el('h3', null, ['Latest activity']));
      out.appendChild(el('div', { className: 'table-wrap' }, [el('table', { className: 'data compact' }, [
        el('thead', null, [el('tr', null, [el('th', { scope: 'col' }, ['Time (UTC)']), el('th', { scope: 'col' }, ['Event']), el('th', { scope: 'col' }, ['Page'])])]),
        el('tbody', null, rows.map(function (r) {
          var t = Date.parse(r.created_at);
          return el('tr', null, [
            el('td', { className: 'nowrap', title: String(r.created_at) }, [isFinite(t) ? shortTime(t) : String(r.created_at)]),
            el('td', null, [el('code', null, [String(r.event_type)])]),
            el('td', { className: 'ellipsis mono', title: r.page_url || '' }, [r.page_url ? pathOf(String(r.page_url)) : '–'])
          ]);
        }))
      ])]));
    }
  }

  // ---- heatmap -----------------------------------------------------------------------------------

  var heat = { data: null };

  function rememberPages(pages) {
    var known = Array.isArray(prefs.pages) ? prefs.pages : [];
    pages.forEach(function (p) {
      if (typeof p === 'string' && p && p.length <= 2048 && known.indexOf(p) < 0) known.unshift(p);
    });
    prefs.pages = known.slice(0, 30);
    savePrefs();
    fillKnownPages();
  }

  function fillKnownPages() {
    var list = clear($('known-pages'));
    var pages = (Array.isArray(prefs.pages) ? prefs.pages : []).slice();
    if (pages.indexOf(DEFAULT_PAGE) < 0) pages.push(DEFAULT_PAGE);
    pages.forEach(function (p) { list.appendChild(el('option', { value: p })); });
  }

  function loadHeatmap(page) {
    var panel = panels.heatmap;
    page = (page || '').trim();
    if (!page) { panel.fail(new ApiError(400, 'VALIDATION_ERROR', 'Enter a page URL, e.g. ' + DEFAULT_PAGE, [])); return; }
    var gen = panel.begin();
    api('GET', '/heatmap/' + encodeURIComponent(page) + query({ timeRange: state.range, gridSize: 24 })).then(function (answer) {
      if (!panel.live(gen)) return;
      heat.data = answer.data;
      prefs.heatmapPage = page;
      rememberPages([page]);
      renderHeatmap();
      panel.set(answer.data.totalPoints ? 'ready' : 'empty');
    }, function (error) {
      if (!panel.live(gen)) return;
      heat.data = null;
      clear($('heatmap-result'));
      panel.fail(error, function () { loadHeatmap(page); });
    });
  }

  function renderHeatmap() {
    var data = heat.data;
    var out = clear($('heatmap-result'));
    if (!data) return;
    var kind = $('heatmap-kind').value;
    if (!data.totalPoints) {
      out.appendChild(el('p', { className: 'empty' }, ['No heatmap data for ' + String(data.page || data.pageUrl) + ' in the ' + RANGES[state.range].label + '. Pages send points with the SDK’s heatmap option.']));
      return;
    }
    out.appendChild(el('div', { className: 'minis' }, [
      statCard('clicks', fmtInt(data.totalClicks), 'heatmap-clicks'),
      statCard('hovers', fmtInt(data.totalHovers), 'heatmap-hovers'),
      statCard('sessions', fmtInt(data.sessions), 'heatmap-sessions')
    ]));
    var canvas = el('canvas', { id: 'heatmap-canvas', attrs: { role: 'img', 'aria-label': (kind === 'hover' ? 'Hover' : 'Click') + ' heatmap of ' + String(data.page) } });
    var frame = el('div', { className: 'heat-frame' }, [
      el('div', { className: 'heat-chrome' }, [el('span'), el('span'), el('span'), el('code', { className: 'heat-url', title: String(data.pageUrl) }, [String(data.page)])]),
      el('div', { className: 'heat-canvas' }, [canvas])
    ]);
    var legend = el('div', { className: 'heat-legend' }, [el('span', null, ['fewer']), el('span', { className: 'heat-scale' }), el('span', null, ['more ' + (kind === 'hover' ? 'hovers' : 'clicks')])]);
    var elements = (data.topElements || []).slice(0, 8);
    var side = el('div', { className: 'heat-side' }, [
      el('h3', null, ['Top elements']),
      elements.length ? el('div', { className: 'table-wrap' }, [el('table', { className: 'data compact', id: 'heatmap-elements' }, [
        el('thead', null, [el('tr', null, [el('th', { scope: 'col' }, ['Selector']), el('th', { scope: 'col', className: 'num' }, ['Clicks']), el('th', { scope: 'col', className: 'num' }, ['Hovers'])])]),
        el('tbody', null, elements.map(function (e) {
          return el('tr', null, [el('td', { className: 'mono ellipsis', title: String(e.elementSelector) }, [String(e.elementSelector)]), el('td', { className: 'num' }, [fmtInt(e.clicks)]), el('td', { className: 'num' }, [fmtInt(e.hovers)])]);
        }))
      ])]) : el('p', { className: 'empty small' }, ['No element selectors recorded.']),
      el('h3', null, ['Scroll depth']),
      scrollBars(data.scrollDepth || [])
    ]);
    var note = el('p', { className: 'note' }, [fmtInt(data.totalPoints) + ' points on a ' + (data.gridSize || 20) + '×' + (data.gridSize || 20) +
      ' grid: across is the viewport width, down is the whole page height, so every screen size lands on the same map.']);
    out.appendChild(el('div', { className: 'heat-layout' }, [el('div', null, [frame, legend, note]), side]));
    drawHeat(canvas, kind === 'hover' ? data.hoverGrid : data.clickGrid, data.gridSize || 20);
  }

  function scrollBars(bins) {
    if (!bins.length || !bins.some(function (b) { return b.sessions; })) return el('p', { className: 'empty small' }, ['No scroll depth recorded.']);
    return el('ol', { className: 'scroll-bars', id: 'heatmap-scroll' }, bins.map(function (b) {
      return el('li', { title: fmtInt(b.sessions) + ' sessions scrolled deepest to ' + b.range + '%; ' + b.reachedPercent + '% reached at least ' + String(b.range).split('-')[0] + '%' }, [
        el('span', { className: 'sb-label' }, [String(b.range) + '%']),
        el('span', { className: 'sb-track' }, [el('span', { className: 'sb-fill', style: { width: Math.max(0, Math.min(100, num(b.reachedPercent))) + '%' } })]),
        el('span', { className: 'sb-value' }, [pct(b.reachedPercent)])
      ]);
    }));
  }

  /** Density blobs in alpha on an offscreen canvas, coloured through a blue→red ramp, over a page sketch. */
  function drawHeat(canvas, cells, grid) {
    var box = canvas.parentNode;
    var width = Math.max(200, Math.floor(box.clientWidth || 320));
    var height = Math.round(width * 1.5);
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    var ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);

    // A sketch of a page (x spans the viewport width, y the whole document height).
    var W = width;
    var H = height;
    function block(x, y, w, h, colour) { ctx.fillStyle = colour || '#eef0f6'; ctx.fillRect(W * x, H * y, W * w, H * h); }
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, W, H);
    block(0, 0, 1, 0.035, '#e4e7ec');
    block(0.05, 0.012, 0.16, 0.012, '#d0d5dd');
    block(0.05, 0.055, 0.9, 0.15);
    block(0.05, 0.225, 0.55, 0.018, '#e4e7ec');
    for (var line = 0; line < 4; line++) block(0.05, 0.26 + line * 0.022, line % 2 ? 0.62 : 0.82, 0.008);
    block(0.62, 0.345, 0.33, 0.03, '#e0dafe');
    for (var row = 0; row < 3; row++) {
      for (var col = 0; col < 3; col++) block(0.05 + col * 0.31, 0.41 + row * 0.17, 0.28, 0.14);
    }
    block(0, 0.93, 1, 0.07, '#e4e7ec');

    cells = Array.isArray(cells) ? cells : [];
    if (!cells.length) return;
    var max = cells.reduce(function (m, cell) { return Math.max(m, num(cell.count)); }, 0) || 1;
    var off = document.createElement('canvas');
    off.width = canvas.width;
    off.height = canvas.height;
    var o = off.getContext('2d');
    var cw = off.width / grid;
    var ch = off.height / grid;
    var radius = Math.max(cw, ch) * 1.6;
    cells.forEach(function (cell) {
      var x = (num(cell.x) + 0.5) * cw;
      var y = (num(cell.y) + 0.5) * ch;
      var alpha = 0.15 + 0.85 * Math.sqrt(num(cell.count) / max);
      var g = o.createRadialGradient(x, y, 0, x, y, radius);
      g.addColorStop(0, 'rgba(0,0,0,' + alpha + ')');
      g.addColorStop(1, 'rgba(0,0,0,0)');
      o.fillStyle = g;
      o.fillRect(x - radius, y - radius, radius * 2, radius * 2);
    });
    var image = o.getImageData(0, 0, off.width, off.height);
    var px = image.data;
    var ramp = heatRamp();
    for (var i = 0; i < px.length; i += 4) {
      var a = px[i + 3];
      if (!a) continue;
      var k = Math.min(255, a) * 4;
      px[i] = ramp[k];
      px[i + 1] = ramp[k + 1];
      px[i + 2] = ramp[k + 2];
      px[i + 3] = Math.min(230, a * 1.2);
    }
    o.putImageData(image, 0, 0);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(off, 0, 0);
  }

  var rampCache = null;
  function heatRamp() {
    if (rampCache) return rampCache;
    var c = document.createElement('canvas');
    c.width = 256;
    c.height = 1;
    var x = c.getContext('2d');
    var g = x.createLinearGradient(0, 0, 256, 0);
    g.addColorStop(0.0, '#3b82f6');
    g.addColorStop(0.35, '#22d3ee');
    g.addColorStop(0.55, '#a3e635');
    g.addColorStop(0.75, '#facc15');
    g.addColorStop(1.0, '#ef4444');
    x.fillStyle = g;
    x.fillRect(0, 0, 256, 1);
    rampCache = x.getImageData(0, 0, 256, 1).data;
    return rampCache;
  }

  // ---- campaigns ---------------------------------------------------------------------------------

  function loadCampaigns() {
    var panel = panels.campaigns;
    var gen = panel.begin();
    var range = state.range;
    api('GET', '/campaigns').then(function (answer) {
      var campaigns = (answer.data.campaigns || []).slice(0, 50);
      return Promise.all(campaigns.map(function (c) {
        return api('GET', '/campaigns/' + encodeURIComponent(c.campaignId) + '/performance' + query({ timeRange: range })).then(function (p) {
          return { campaign: c, perf: p.data };
        });
      }));
    }).then(function (rows) {
      if (!panel.live(gen)) return;
      renderCampaigns(rows);
      panel.set(rows.length ? 'ready' : 'empty');
    }, function (error) {
      if (!panel.live(gen)) return;
      clear($('campaign-table').tBodies[0]);
      panel.fail(error, loadCampaigns);
    });
  }

  function renderCampaigns(rows) {
    var body = clear($('campaign-table').tBodies[0]);
    $('campaign-table').hidden = !rows.length;
    rows.sort(function (a, b) { return num(b.perf.revenue) - num(a.perf.revenue) || num(b.perf.sessions) - num(a.perf.sessions); });
    var maxRevenue = rows.reduce(function (m, r) { return Math.max(m, num(r.perf.revenue)); }, 0) || 1;
    rows.forEach(function (row) {
      var c = row.campaign;
      var p = row.perf;
      var source = [c.campaignSource, c.campaignMedium].filter(Boolean).join(' / ') || '–';
      body.appendChild(el('tr', { dataset: { campaign: String(c.campaignId) } }, [
        el('th', { scope: 'row' }, [
          el('span', { className: 'cell-title' }, [String(c.campaignName || c.campaignId)]),
          el('span', { className: 'cell-sub mono' }, [String(c.campaignId)]),
          c.isActive === false ? el('span', { className: 'chip chip-muted' }, ['inactive']) : null
        ]),
        cell('Source / medium', 'source', [source]),
        cell('Sessions', 'num', [fmtInt(p.sessions)], 'sessions'),
        cell('Page views', 'num', [fmtInt(p.pageViews)], 'pageViews'),
        cell('Conversions', 'num', [fmtInt(p.conversions)], 'conversions'),
        cell('Revenue', 'num', [
          el('span', { className: 'inline-bar', style: { width: Math.round(48 * num(p.revenue) / maxRevenue) + 'px' } }), fmtMoney(p.revenue)
        ], 'revenue'),
        cell('Conv. rate', 'num strong', [pct(p.conversionRate)], 'conversionRate')
      ]));
    });
  }

  // ---- experiments -------------------------------------------------------------------------------

  function loadExperiments(refreshId) {
    var panel = panels.experiments;
    if (state.claims && state.claims.role !== 'admin') {
      // The API lists experiments to admins only; an analyst reads results by id.
      panel.begin(true);
      panel.set('idle');
      clear($('experiment-list')).appendChild(el('p', { className: 'empty' }, [
        'Listing experiments needs an admin token (you are signed in as ' + String(state.claims.role) + ').'
      ]));
      return;
    }
    var gen = panel.begin();
    api('GET', '/experiments').then(function (answer) {
      var list = (answer.data.experiments || []).slice().sort(function (a, b) {
        return (b.isActive === true) - (a.isActive === true) || String(b.createdAt).localeCompare(String(a.createdAt));
      }).slice(0, 20);
      return Promise.all(list.map(function (e) {
        var refresh = refreshId === e.id ? { refresh: 'true' } : {};
        return api('GET', '/experiments/' + encodeURIComponent(e.id) + '/results' + query(refresh)).then(function (r) { return r.data; }, function (error) {
          if (error instanceof ApiError && error.status !== 401) return { experiment: e, results: null, error: error };
          throw error;
        });
      }));
    }).then(function (items) {
      if (!panel.live(gen)) return;
      renderExperiments(items);
      panel.set(items.length ? 'ready' : 'empty');
    }, function (error) {
      if (!panel.live(gen)) return;
      clear($('experiment-list'));
      panel.fail(error, function () { loadExperiments(); });
    });
  }

  function chip(text, kind, title) { return el('span', { className: 'chip chip-' + kind, title: title || '' }, [text]); }

  function fmtP(p) {
    if (p === null || p === undefined) return '–';
    if (p < 0.0001) return '< 0.0001';
    return String(Math.round(p * 10000) / 10000);
  }

  function ci(interval, suffix) {
    if (!Array.isArray(interval) || interval.length !== 2) return '';
    var r = function (v) { return String(Math.round(v * 100) / 100); };
    return '[' + r(interval[0]) + suffix + ', ' + r(interval[1]) + suffix + ']';
  }

  function renderExperiments(items) {
    var out = clear($('experiment-list'));
    items.forEach(function (item) {
      var e = item.experiment || {};
      var r = item.results;
      var head = el('div', { className: 'exp-head' }, [
        el('div', null, [
          el('h3', null, [String(e.testName || e.id)]),
          el('p', { className: 'muted small' }, [
            String(e.testType || '') + ' test · metric ' + String(e.metric || '') + (e.conversionType ? ' (' + e.conversionType + ')' : '') +
            ' · ' + Math.round(num(e.confidence) * 1000) / 10 + '% confidence · min ' + fmtInt(e.minSample) + ' per variant'
          ])
        ]),
        el('div', { className: 'exp-chips' }, [
          e.isActive ? chip('running', 'live') : chip('stopped', 'muted'),
          r && r.winner ? chip('winner: ' + r.winner, 'good', 'Significant and above the minimum sample') : chip('no winner yet', 'muted'),
          r && r.sampleRatioMismatch && r.sampleRatioMismatch.mismatch ? chip('SRM detected', 'bad', 'Sample ratio mismatch: p = ' + fmtP(r.sampleRatioMismatch.pValue) + '. Check the assignment before trusting results.') :
            r && r.sampleRatioMismatch && r.sampleRatioMismatch.checked ? chip('traffic split OK', 'ok', 'Chi-square p = ' + fmtP(r.sampleRatioMismatch.pValue)) : null
        ])
      ]);
      var card = el('article', { className: 'exp', dataset: { experiment: String(e.id) } }, [head]);
      if (item.error) {
        card.appendChild(el('p', { className: 'alert alert-error' }, ['Results unavailable: ' + item.error.message]));
      } else if (r) {
        var comparisons = {};
        (r.comparisons || []).forEach(function (c) { comparisons[c.variant] = c; });
        var revenue = r.metric === 'revenue';
        var table = el('table', { className: 'data exp-table stack-sm' }, [
          el('thead', null, [el('tr', null, [
            el('th', { scope: 'col' }, ['Variant']), el('th', { scope: 'col', className: 'num' }, ['Participants']),
            el('th', { scope: 'col', className: 'num' }, ['Conversions']), el('th', { scope: 'col', className: 'num' }, ['Rate']),
            el('th', { scope: 'col', className: 'num' }, [revenue ? 'Value / participant' : 'Value']),
            el('th', { scope: 'col', className: 'num' }, ['Lift (CI)']), el('th', { scope: 'col', className: 'num' }, ['p-value'])
          ])]),
          el('tbody', null, (r.variants || []).map(function (v) {
            var c = comparisons[v.name];
            var lift = '–';
            var liftClass = '';
            if (c && c.relativeLift !== null && c.relativeLift !== undefined) {
              lift = (c.relativeLift > 0 ? '+' : '') + Math.round(c.relativeLift * 100) / 100 + '%';
              liftClass = c.significant ? (c.relativeLift > 0 ? ' good' : ' bad') : '';
            }
            var isControl = v.name === r.control;
            return el('tr', { dataset: { variant: String(v.name) }, className: r.winner === v.name ? 'winner' : '' }, [
              el('th', { scope: 'row' }, [String(v.name), isControl ? el('span', { className: 'chip chip-muted' }, ['control']) : null, r.winner === v.name ? el('span', { className: 'chip chip-good' }, ['winner']) : null]),
              cell('Participants', 'num', [fmtInt(v.participants)], 'participants'),
              cell('Conversions', 'num', [fmtInt(v.conversions)], 'conversions'),
              cell('Rate', 'num strong', [String(Math.round(num(v.conversionRate) * 100) / 100) + '%'], 'conversionRate'),
              cell(revenue ? 'Value / participant' : 'Value', 'num', [revenue ? fmtMoney(v.valuePerParticipant) : fmtMoney(v.totalValue)]),
              cell('Lift (CI)', 'num' + liftClass, isControl ? ['baseline'] : [lift, lift !== '–' ? el('span', { className: 'ci' }, [ci(c && c.relativeLiftCi, '%')]) : null], 'lift'),
              cell('p-value', 'num', isControl ? ['–'] : [fmtP(c && c.pValue), c && c.significant ? el('span', { className: 'sig', title: 'significant at ' + r.confidenceLevel + '%' }, [' ✓']) : null], 'pValue')
            ]);
          }))
        ]);
        card.appendChild(el('div', { className: 'table-wrap' }, [table]));
        var notes = [];
        notes.push(fmtInt(r.totalParticipants) + ' participants');
        if (!r.enoughSample) notes.push('below the minimum sample of ' + fmtInt(r.minSample) + ' per variant');
        if (r.comparisons && r.comparisons[0]) notes.push(r.comparisons[0].test);
        if (r.sampleRatioMismatch && r.sampleRatioMismatch.checked) notes.push('SRM χ² p = ' + fmtP(r.sampleRatioMismatch.pValue));
        if (item.updatedAt) notes.push('computed ' + utcLong(Date.parse(item.updatedAt)));
        card.appendChild(el('div', { className: 'exp-foot' }, [
          el('p', { className: 'muted small' }, [notes.join(' · ')]),
          el('button', { type: 'button', className: 'btn btn-small', textContent: 'Recompute', onclick: function () { loadExperiments(e.id); } })
        ]));
      } else {
        card.appendChild(el('p', { className: 'empty small' }, ['No results yet.']));
      }
      out.appendChild(card);
    });
  }

  // ---- export ------------------------------------------------------------------------------------

  function exportStatus(children, kind) {
    var out = clear($('export-result'));
    out.appendChild(el('div', { className: 'export-status ' + (kind || '') }, children));
  }

  function runExport(format) {
    var panel = panels.exportPanel;
    var dataType = $('export-type').value;
    var now = Date.now();
    var range = state.range;
    var body = {
      dataType: dataType,
      format: format,
      filters: {},
      dateRange: { startDate: isoSeconds(now - RANGES[range].span), endDate: isoSeconds(now) }
    };
    var gen = panel.begin();
    setExportButtons(true);
    exportStatus([el('span', { className: 'spinner' }), 'Exporting ' + dataType + ' (' + format.toUpperCase() + ', ' + RANGES[range].label + ')…']);
    api('POST', '/export', body).then(function (answer) {
      if (!panel.live(gen)) return;
      var data = answer.data;
      if (data.jobId) { followJob(data, gen); return; }
      var name = 'bilten-' + dataType + '-' + range + '-' + isoSeconds(now).replace(/[-:]/g, '').slice(0, 13) + '.' + format;
      var text = format === 'csv' ? String(data.data) : JSON.stringify(data.data, null, 2);
      download(text, name, format === 'csv' ? 'text/csv;charset=utf-8' : 'application/json');
      setExportButtons(false);
      panel.set('ready');
      exportStatus([
        el('strong', null, ['Downloaded ']), el('code', { id: 'export-file' }, [name]),
        ' · ' + fmtInt(data.rowCount) + ' row' + (data.rowCount === 1 ? '' : 's') + ' · ' + (data.columns || []).length + ' columns'
      ], 'done');
    }, function (error) {
      if (!panel.live(gen)) return;
      setExportButtons(false);
      clear($('export-result'));
      panel.fail(error, function () { runExport(format); });
    });
  }

  function setExportButtons(busy) {
    $('export-csv').disabled = busy;
    $('export-json').disabled = busy;
  }

  function download(text, name, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var link = el('a', { href: url, download: name, hidden: true });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
  }

  function followJob(job, gen) {
    var panel = panels.exportPanel;
    var progress = job.progress || {};
    if (job.status === 'completed' && job.downloadUrl) {
      setExportButtons(false);
      panel.set('ready');
      var link = el('a', { href: job.downloadUrl, target: '_blank', rel: 'noopener', id: 'export-link', className: 'btn btn-primary btn-small' }, ['Open the file']);
      exportStatus([
        el('strong', null, ['Export ready. ']),
        fmtInt(progress.rowsWritten) + ' rows · link valid for ' + Math.round(num(job.expiresIn) / 60) + ' minutes ', link
      ], 'done');
      window.open(job.downloadUrl, '_blank', 'noopener');
      return;
    }
    if (job.status === 'failed') {
      setExportButtons(false);
      clear($('export-result'));
      panel.fail(new ApiError(200, 'EXPORT_FAILED', 'The export job failed: ' + String(job.error || 'unknown error'), []), null);
      return;
    }
    var bar = el('progress', { max: 100, value: num(progress.percent), id: 'export-progress' });
    exportStatus([
      el('span', { className: 'spinner' }), 'Export job ' + String(job.status) + ' · ' + num(progress.percent) + '% · ' + fmtInt(progress.rowsWritten) + ' rows so far', bar
    ]);
    panel.set('loading', 'Export running…');
    setTimeout(function () {
      if (!panel.live(gen)) return;
      api('GET', '/export/' + encodeURIComponent(job.jobId)).then(function (answer) {
        if (panel.live(gen)) followJob(answer.data, gen);
      }, function (error) {
        if (!panel.live(gen)) return;
        setExportButtons(false);
        panel.fail(error, null);
      });
    }, EXPORT_POLL_MS);
  }

  // ---- wiring ------------------------------------------------------------------------------------

  function wire() {
    panels.overview = new Panel('overview', { core: true });
    panels.performance = new Panel('performance', { core: true });
    panels.funnel = new Panel('funnel');
    panels.journey = new Panel('journey');
    panels.heatmap = new Panel('heatmap');
    panels.campaigns = new Panel('campaigns');
    panels.experiments = new Panel('experiments');
    panels.exportPanel = new Panel('export');

    $('signin-form').addEventListener('submit', function (event) {
      event.preventDefault();
      signIn($('token-input').value, true);
    });
    $('token-input').addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); signIn($('token-input').value, true); }
    });
    $('signout').addEventListener('click', function () { signOut('You signed out. The token was removed from this tab.'); });

    var rangeGroup = $('range');
    rangeGroup.addEventListener('click', function (event) {
      var button = event.target.closest('[data-range]');
      if (button) chooseRange(button.dataset.range);
    });
    rangeGroup.addEventListener('keydown', function (event) {
      var keys = Object.keys(RANGES);
      var i = keys.indexOf(state.range);
      var next = event.key === 'ArrowRight' ? i + 1 : event.key === 'ArrowLeft' ? i - 1 : null;
      if (next === null || next < 0 || next >= keys.length) return;
      event.preventDefault();
      chooseRange(keys[next]);
      rangeGroup.querySelector('[data-range="' + keys[next] + '"]').focus();
    });

    $('funnel-add').addEventListener('click', addStep);
    $('funnel-mode').addEventListener('change', function () { funnel.mode = this.value; saveFunnel(); });
    $('funnel-window').addEventListener('input', function () {
      var v = parseFloat(this.value);
      if (v > 0 && v <= 90) { funnel.window = v; saveFunnel(); }
    });
    $('funnel-form').addEventListener('submit', function (event) { event.preventDefault(); runFunnel(); });

    $('journey-form').addEventListener('submit', function (event) { event.preventDefault(); loadJourney($('journey-user').value); });
    $('heatmap-form').addEventListener('submit', function (event) { event.preventDefault(); loadHeatmap($('heatmap-page').value); });
    $('heatmap-kind').addEventListener('change', renderHeatmap);
    var resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(function () { if (heat.data && heat.data.totalPoints) renderHeatmap(); }, 150);
    });

    $('export-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var format = event.submitter && event.submitter.dataset.format ? event.submitter.dataset.format : 'csv';
      runExport(format);
    });

    document.addEventListener('visibilitychange', function () {
      if (!state.token || $('app').hidden) return;
      if (document.hidden) { clearTimeout(state.timer); setLive('paused'); } else refreshOverview();
    });

    $('heatmap-page').value = typeof prefs.heatmapPage === 'string' ? prefs.heatmapPage : DEFAULT_PAGE;
    $('journey-user').value = typeof prefs.journeyUser === 'string' ? prefs.journeyUser : '';
    fillKnownTypes();
    fillKnownPages();
  }

  function boot() {
    wire();
    // A direct link (`make dev`) carries the token in the fragment: take it, then drop it from the address bar.
    var fromHash = null;
    var hash = window.location.hash.replace(/^#/, '');
    if (hash) {
      hash.split('&').forEach(function (part) {
        var kv = part.split('=');
        if (kv[0] === 'token' && kv[1]) {
          try { fromHash = decodeURIComponent(kv.slice(1).join('=')); } catch (e) { fromHash = null; }
        }
      });
      if (fromHash !== null && window.history && window.history.replaceState) {
        window.history.replaceState(null, '', window.location.pathname + window.location.search);
      }
    }
    var token = fromHash || storeGet('session', TOKEN_KEY);
    if (token) {
      $('signin').hidden = false;
      $('signin-submit').disabled = true;
      $('signin-submit').textContent = 'Signing in…';
      signIn(token, false);
    } else {
      showSignIn(null);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
}());
