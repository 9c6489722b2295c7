/*
 * API performance panel: the per-endpoint table and the p95/average bar chart. It has no read of its
 * own: the overview's real-time read carries performanceMetrics and hands them to renderPerformance.
 */

import { $, cell, clear, el } from '../dom.js';
import { fmtInt, fmtMs, num } from '../format.js';
import { panels } from '../panel.js';
import { state } from '../state.js';

/** The p95 chart, with the options every chart shares (from charts.js). */
export function createPerformanceChart(common) {
  var C = window.Chart;
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

export function renderPerformance(perf) {
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
