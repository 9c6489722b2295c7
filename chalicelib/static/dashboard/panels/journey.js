/*
 * User journey panel: GET /user-journey/{userId} over the time range — session and bounce figures,
 * most visited pages, common flows and the latest activity. Pages it sees become heatmap suggestions.
 */

import { api, ApiError, query } from '../api.js';
import { $, clear, el, statCard } from '../dom.js';
import { duration, fmtInt, isoSeconds, num, pct, shortTime } from '../format.js';
import { panels } from '../panel.js';
import { prefs, RANGES, savePrefs, state } from '../state.js';
import { rememberPages } from './heatmap.js';

export function loadJourney(userId) {
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

/** The look-up form, with the last user id looked up; called once when the page is wired. */
export function wireJourney() {
  $('journey-form').addEventListener('submit', function (event) { event.preventDefault(); loadJourney($('journey-user').value); });
  $('journey-user').value = typeof prefs.journeyUser === 'string' ? prefs.journeyUser : '';
}
