/*
 * Heatmap panel: GET /heatmap/{pageUrl} over the time range — click or hover density drawn on a
 * canvas over a page sketch, the top elements and scroll depth. The page field suggests the pages
 * with heatmap data in the range (GET /names, through names.js; also a picker under the field)
 * and the remembered pages (kept in localStorage).
 */

import { api, ApiError, query } from '../api.js';
import { $, clear, el, statCard } from '../dom.js';
import { fmtInt, num, pct } from '../format.js';
import { onNames, seenNames } from '../names.js';
import { panels } from '../panel.js';
import { prefs, RANGES, savePrefs, state } from '../state.js';

const DEFAULT_PAGE = 'https://bilten.com/events/evt-001';

const heat = { data: null };

/** A page's heatmap identity, host + path (as the API keys it), to match a URL with a listed page. */
function pageKey(url) {
  var text = String(url || '').trim();
  if (text.indexOf('://') < 0) text = 'https://' + text.replace(/^\/+/, '');
  try {
    var parsed = new URL(text);
    return parsed.hostname.toLowerCase() + (parsed.pathname || '/');
  } catch (e) {
    return text;
  }
}

/** Add pages to the suggestions (newest first, at most 30). */
export function rememberPages(pages) {
  var known = Array.isArray(prefs.pages) ? prefs.pages : [];
  pages.forEach(function (p) {
    if (typeof p === 'string' && p && p.length <= 2048 && known.indexOf(p) < 0) known.unshift(p);
  });
  prefs.pages = known.slice(0, 30);
  savePrefs();
  fillKnownPages();
}

/** The field's suggestions: the pages with data in the range first, then the remembered ones. */
function fillKnownPages() {
  var list = clear($('known-pages'));
  var taken = {};
  seenNames().heatmapPages.forEach(function (p) {
    taken[pageKey(p)] = true;
    list.appendChild(el('option', { value: p, label: 'heatmap data in range' }));
  });
  var pages = (Array.isArray(prefs.pages) ? prefs.pages : []).slice();
  if (pages.indexOf(DEFAULT_PAGE) < 0) pages.push(DEFAULT_PAGE);
  pages.forEach(function (p) {
    if (taken[pageKey(p)]) return;
    taken[pageKey(p)] = true;
    list.appendChild(el('option', { value: p }));
  });
}

/** The picker beside the field: the pages with heatmap data in the range. */
function fillDataPages() {
  var select = clear($('heatmap-known'));
  var pages = seenNames().heatmapPages;
  select.appendChild(el('option', { value: '', textContent: pages.length ? 'Pick a page with heatmap data (' + pages.length + ')' : 'No pages with heatmap data in this range' }));
  pages.forEach(function (p) { select.appendChild(el('option', { value: p, textContent: p })); });
  select.disabled = !pages.length;
  syncDataPage();
}

/** Show the field's page in the picker when it is one of the listed pages. */
function syncDataPage() {
  var select = $('heatmap-known');
  var key = pageKey($('heatmap-page').value);
  var match = Array.prototype.filter.call(select.options, function (o) { return o.value && pageKey(o.value) === key; })[0];
  select.value = match ? match.value : '';
}

export function loadHeatmap(page) {
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

let rampCache = null;
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

/** The page form and picker, the click/hover switch and a redraw on resize; called once when the page is wired. */
export function wireHeatmap() {
  $('heatmap-form').addEventListener('submit', function (event) { event.preventDefault(); loadHeatmap($('heatmap-page').value); });
  $('heatmap-kind').addEventListener('change', renderHeatmap);
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (heat.data && heat.data.totalPoints) renderHeatmap(); }, 150);
  });
  $('heatmap-page').value = typeof prefs.heatmapPage === 'string' ? prefs.heatmapPage : DEFAULT_PAGE;
  $('heatmap-page').addEventListener('input', syncDataPage);
  $('heatmap-known').addEventListener('change', function () {
    if (!this.value) return;
    $('heatmap-page').value = this.value;
    loadHeatmap(this.value);
  });
  onNames(function () { fillKnownPages(); fillDataPages(); });
  fillKnownPages();
  fillDataPages();
}
