/*
 * Bilten Analytics dashboard, the entry module: one page, native ES modules, Chart.js 4 (the UMD
 * global `Chart`, a classic script), no build step.
 *
 * Owns sign-in and sign-out (the admin/analyst token in sessionStorage, or #token=… once), the
 * time range, the page wiring and boot. Each panel lives in ./panels/, the API client in ./api.js,
 * formatting in ./format.js, the names seen in the range (the panels' suggestions) in ./names.js.
 * The overview refreshes every 5 s while the tab is visible; other panels and the names load on
 * demand and whenever the time range changes.
 */

import { api, ApiError, claimsOf, query } from './api.js';
import { chartOptions } from './charts.js';
import { $ } from './dom.js';
import { loadNames } from './names.js';
import { onAuthFailure, Panel, panels } from './panel.js';
import { loadCampaigns } from './panels/campaigns.js';
import { loadExperiments } from './panels/experiments.js';
import { wireExport } from './panels/export.js';
import { renderFunnelSteps, runFunnel, wireFunnel } from './panels/funnel.js';
import { loadHeatmap, wireHeatmap } from './panels/heatmap.js';
import { loadJourney, wireJourney } from './panels/journey.js';
import { applyOverview, createOverviewCharts, refreshOverview, scheduleRefresh, setLive } from './panels/overview.js';
import { createPerformanceChart } from './panels/performance.js';
import { prefs, RANGES, savePrefs, state, storeGet, storeSet } from './state.js';

const TOKEN_KEY = 'bilten.dashboard.token';

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
  state.knownTypes = {};
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
  loadNames();
  loadRangePanels();
  loadExperiments();
}

/** Every chart, when Chart.js loaded (the panels still show their tables without it). */
function createCharts() {
  var common = chartOptions();
  if (!common) return;
  createOverviewCharts(common);
  createPerformanceChart(common);
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
  state.knownTypes = {};
  refreshOverview(true);
  loadNames();
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
  onAuthFailure(authFailed);

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

  document.addEventListener('visibilitychange', function () {
    if (!state.token || $('app').hidden) return;
    if (document.hidden) { clearTimeout(state.timer); setLive('paused'); } else refreshOverview();
  });

  wireFunnel();
  wireJourney();
  wireHeatmap();
  wireExport();
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

// A module runs after the document is parsed; the check keeps boot safe if this is ever loaded earlier.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
