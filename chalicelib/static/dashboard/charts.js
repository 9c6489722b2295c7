/*
 * Charts: Chart.js 4 (the vendored UMD build's global `Chart`, loaded as a classic script) with the
 * dashboard's defaults and shared options, and the in-place update that keeps a refresh flicker-free.
 * The panels create their own charts in state.charts; main.js destroys them on sign-out.
 */

import { utcLabel, utcLong } from './format.js';
import { RANGES, state } from './state.js';

/** Sets Chart.js's defaults and returns the options every chart shares; null when Chart.js did not load. */
export function chartOptions() {
  if (typeof window.Chart !== 'function') return null;
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
  return {
    responsive: true,
    maintainAspectRatio: false,
    animation: { duration: 300 },
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, usePointStyle: true, padding: 12 } },
      tooltip: { callbacks: { title: tooltipTitle } }
    }
  };
}

export function updateChart(key, labels, datasets, buckets) {
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
