/*
 * Overview (real time): the KPIs, the activity and conversion charts, the "Live" indicator and the
 * 5-second refresh of GET /real-time while the tab is visible. The same read feeds the performance
 * panel and the funnel builder's list of known event types.
 */

import { api, query } from '../api.js';
import { updateChart } from '../charts.js';
import { $ } from '../dom.js';
import { fmtInt, fmtMoney, fmtMs, isoSeconds, num, utcLabel } from '../format.js';
import { panels } from '../panel.js';
import { RANGES, state } from '../state.js';
import { fillKnownTypes } from './funnel.js';
import { renderPerformance } from './performance.js';

const REFRESH_MS = 5000;
const PALETTE = ['#5b3df5', '#12b5cb', '#f59e0b', '#ef4444', '#10b981', '#8b5cf6', '#ec4899', '#64748b'];

/** The activity and conversion charts, with the options every chart shares (from charts.js). */
export function createOverviewCharts(common) {
  var C = window.Chart;
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
}

export function scheduleRefresh() {
  clearTimeout(state.timer);
  state.timer = null;
  if (!state.token) return;
  if (document.hidden) { setLive('paused'); return; }
  state.timer = setTimeout(refreshOverview, REFRESH_MS);
}

export function setLive(mode, text) {
  var live = $('live');
  live.dataset.mode = mode;
  if (text) $('last-updated').textContent = text;
  else if (mode === 'paused') $('last-updated').textContent = 'Paused while the tab is hidden';
}

/** One real-time read; `force` replaces a read in flight (its answer is then dropped). */
export function refreshOverview(force) {
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

export function applyOverview(data, gen) {
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

  // Event types seen in the range ("kind/name"), for the funnel builder's suggestions.
  var added = false;
  function known(name, kind) { var key = kind + '/' + name; if (name && !state.knownTypes[key]) { state.knownTypes[key] = true; added = true; } }
  activity.forEach(function (r) { known(r.event_type, 'activity'); });
  conversions.forEach(function (r) { known(r.conversion_type, 'conversion'); });
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
