/*
 * Experiments panel: GET /experiments (admins only), then each experiment's /results — per-variant
 * rates, lift with its interval, p-values, the winner and the sample-ratio-mismatch check — with a
 * Recompute button per experiment.
 */

import { api, ApiError, query } from '../api.js';
import { $, cell, clear, el } from '../dom.js';
import { ci, fmtInt, fmtMoney, fmtP, num, utcLong } from '../format.js';
import { panels } from '../panel.js';
import { state } from '../state.js';

/** Loads the list and every result; `refreshId` asks the API to recompute that experiment's results. */
export function loadExperiments(refreshId) {
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
