/*
 * Funnel panel: the step builder (names, event types, kinds, order, mode and window, kept in
 * localStorage; event types suggested from the names seen in the range), its validation,
 * POST /funnel-analysis, and the bars and rates of the answer.
 */

import { api, ApiError } from '../api.js';
import { $, clear, el } from '../dom.js';
import { duration, fmtInt, num, pct } from '../format.js';
import { onNames, seenNames } from '../names.js';
import { panels } from '../panel.js';
import { prefs, RANGES, savePrefs, state } from '../state.js';

const DEFAULT_FUNNEL = [
  { name: 'Page view', eventType: 'page_view', kind: '' },
  { name: 'Event view', eventType: 'event_view', kind: '' },
  { name: 'Add to cart', eventType: 'add_to_cart', kind: '' },
  { name: 'Purchase', eventType: 'purchase', kind: '' }
];
const NAME_RE = /^[A-Za-z0-9_.:\-]+$/;
const MAX_STEPS = 10;
const STEP_KINDS = ['activity', 'interaction', 'conversion'];

const funnel = {
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

/**
 * The builder's event-type suggestions: the activity, interaction and conversion names seen in the
 * time range (GET /names, through names.js), plus the types the real-time read reports for it.
 * Each option's label says which kinds the name was seen as.
 */
export function fillKnownTypes() {
  var list = clear($('known-types'));
  var kinds = {};
  function add(name, kind) {
    if (typeof name !== 'string' || !name) return;
    kinds[name] = kinds[name] || [];
    if (kinds[name].indexOf(kind) < 0) kinds[name].push(kind);
  }
  var seen = seenNames().names;
  STEP_KINDS.forEach(function (kind) { (seen[kind] || []).forEach(function (name) { add(name, kind); }); });
  Object.keys(state.knownTypes).forEach(function (key) { var i = key.indexOf('/'); add(key.slice(i + 1), key.slice(0, i)); });
  Object.keys(kinds).sort().forEach(function (name) {
    var labels = STEP_KINDS.filter(function (k) { return kinds[name].indexOf(k) >= 0; });
    list.appendChild(el('option', { value: name, label: labels.join(' · ') }));
  });
}

function stepButton(label, text, handler, disabled) {
  return el('button', { type: 'button', className: 'btn btn-icon', textContent: text, title: label, disabled: !!disabled, onclick: handler, attrs: { 'aria-label': label } });
}

export function renderFunnelSteps(focus) {
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

export function runFunnel() {
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

/** The builder's controls; called once when the page is wired. */
export function wireFunnel() {
  $('funnel-add').addEventListener('click', addStep);
  $('funnel-mode').addEventListener('change', function () { funnel.mode = this.value; saveFunnel(); });
  $('funnel-window').addEventListener('input', function () {
    var v = parseFloat(this.value);
    if (v > 0 && v <= 90) { funnel.window = v; saveFunnel(); }
  });
  $('funnel-form').addEventListener('submit', function (event) { event.preventDefault(); runFunnel(); });
  onNames(fillKnownTypes);
  fillKnownTypes();
}
