/*
 * Names seen in the time range (GET /names): the event types, interactions, conversions and the
 * pages with heatmap data, read once at sign-in and again whenever the range changes, for the
 * panels' suggestions. Panels subscribe with onNames(); a failed read leaves every list empty and
 * never touches a panel's state (the suggestions are a convenience, typing a name still works).
 */

import { api, query } from './api.js';
import { state } from './state.js';

const KINDS = ['activity', 'interaction', 'conversion', 'performance', 'heatmap'];

function empty() {
  var names = {};
  KINDS.forEach(function (k) { names[k] = []; });
  return { range: null, names: names, heatmapPages: [] };
}

function strings(list) {
  return Array.isArray(list) ? list.filter(function (s) { return typeof s === 'string' && s; }) : [];
}

let current = empty();
let gen = 0;
const listeners = [];

/** The last answer: {range, names: {kind: [names]}, heatmapPages: [host+path]} (empty lists until one arrives). */
export function seenNames() { return current; }

/** Call `listener(seenNames())` after every read (and its failure). */
export function onNames(listener) { listeners.push(listener); }

function publish(next) {
  current = next;
  listeners.forEach(function (listener) {
    try { listener(current); } catch (error) { if (window.console) window.console.warn(error); }
  });
}

/** Read the names of the current range; an answer for a replaced range or token is dropped. */
export function loadNames() {
  if (!state.token) return;
  gen += 1;
  var mine = gen;
  var token = state.token;
  var range = state.range;
  api('GET', '/names' + query({ timeRange: range })).then(function (answer) {
    if (mine !== gen || state.token !== token) return;
    var data = answer.data || {};
    var next = empty();
    next.range = range;
    KINDS.forEach(function (k) { next.names[k] = strings(data.names && data.names[k]); });
    next.heatmapPages = strings(data.heatmapPages || next.names.heatmap);
    publish(next);
  }, function (error) {
    if (mine !== gen || state.token !== token) return;
    if (error && error.name !== 'AbortError' && window.console) window.console.warn('Names for suggestions:', error.message || error);
    publish(empty());
  });
}
