/*
 * Campaigns panel: GET /campaigns, then each campaign's /performance over the time range, as a
 * table sorted by revenue (first-touch attribution).
 */

import { api, query } from '../api.js';
import { $, cell, clear, el } from '../dom.js';
import { fmtInt, fmtMoney, num, pct } from '../format.js';
import { panels } from '../panel.js';
import { state } from '../state.js';

export function loadCampaigns() {
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
