/*
 * Shared state: the signed-in session (token, claims, in-flight requests, refresh timer, charts),
 * the time ranges, and the preferences kept in localStorage (range, funnel, last page and user).
 */

const PREFS_KEY = 'bilten.dashboard.prefs';
const HOUR = 3600e3;
const DAY = 24 * HOUR;
export const RANGES = {
  '1h': { span: HOUR, unit: 'minute', step: 60e3, label: 'last hour', per: 'per minute' },
  '6h': { span: 6 * HOUR, unit: 'hour', step: HOUR, label: 'last 6 hours', per: 'per hour' },
  '24h': { span: DAY, unit: 'hour', step: HOUR, label: 'last 24 hours', per: 'per hour' },
  '7d': { span: 7 * DAY, unit: 'day', step: DAY, label: 'last 7 days', per: 'per day' },
  '30d': { span: 30 * DAY, unit: 'day', step: DAY, label: 'last 30 days', per: 'per day' }
};
const DEFAULT_RANGE = '24h';

function store(kind) {
  try { return kind === 'session' ? window.sessionStorage : window.localStorage; } catch (e) { return null; }
}
export function storeGet(kind, key) { var s = store(kind); try { return s ? s.getItem(key) : null; } catch (e) { return null; } }
export function storeSet(kind, key, value) {
  var s = store(kind);
  try { if (s) { if (value === null) s.removeItem(key); else s.setItem(key, value); } } catch (e) { /* private mode */ }
}

/** Read once at load; panels change its fields and call savePrefs(). */
export const prefs = (function () {
  try { return JSON.parse(storeGet('local', PREFS_KEY) || '{}') || {}; } catch (e) { return {}; }
}());
export function savePrefs() { storeSet('local', PREFS_KEY, JSON.stringify(prefs)); }

export const state = {
  token: null,
  claims: null,
  range: RANGES[prefs.range] ? prefs.range : DEFAULT_RANGE,
  abort: null,
  timer: null,
  charts: {},
  knownTypes: {},  // "kind/name" of the types the real-time read saw in the current range
  overviewLoaded: false,
  refreshing: 0
};
