/*
 * Export panel: POST /export for the chosen data set over the time range. A small export comes back
 * inline and downloads as a file; a larger one is a job, polled until its signed link opens.
 */

import { api, ApiError } from '../api.js';
import { $, clear, el } from '../dom.js';
import { fmtInt, isoSeconds, num } from '../format.js';
import { panels } from '../panel.js';
import { RANGES, state } from '../state.js';

const EXPORT_POLL_MS = 1000;

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

/** The export form (CSV or JSON by the button that submitted it); called once when the page is wired. */
export function wireExport() {
  $('export-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var format = event.submitter && event.submitter.dataset.format ? event.submitter.dataset.format : 'csv';
    runExport(format);
  });
}
