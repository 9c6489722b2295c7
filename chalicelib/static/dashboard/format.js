/*
 * Formatting: numbers, money, rates, p-values, durations and UTC dates/times as the dashboard prints them.
 * Pure functions of their arguments (no DOM, no state); every panel formats through these.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A finite number, or 0 for anything else (missing fields, null, NaN). */
export function num(v) { return typeof v === 'number' && isFinite(v) ? v : 0; }
export function fmtInt(v) { return Math.round(num(v)).toLocaleString('en-US'); }
export function fmtMoney(v) { return num(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }); }
export function fmtMs(v) { return v === null || v === undefined ? '–' : fmtInt(v) + ' ms'; }
/** A rate exactly as the API sent it (already rounded server-side), with a percent sign. */
export function pct(v) { return v === null || v === undefined ? '–' : String(v) + '%'; }

/** A p-value to four decimals ("< 0.0001" below that). */
export function fmtP(p) {
  if (p === null || p === undefined) return '–';
  if (p < 0.0001) return '< 0.0001';
  return String(Math.round(p * 10000) / 10000);
}

/** A confidence interval "[lo%, hi%]" to two decimals, or '' without one. */
export function ci(interval, suffix) {
  if (!Array.isArray(interval) || interval.length !== 2) return '';
  var r = function (v) { return String(Math.round(v * 100) / 100); };
  return '[' + r(interval[0]) + suffix + ', ' + r(interval[1]) + suffix + ']';
}

function pad(n) { return n < 10 ? '0' + n : String(n); }

/** Epoch milliseconds as the API's ISO form, to the second: "2024-03-04T14:05:00Z". */
export function isoSeconds(ms) { return new Date(ms).toISOString().slice(0, 19) + 'Z'; }

/** Seconds as "42s", "3m 07s", "2h 05m" or "4d 3h". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  var s = Math.round(num(seconds));
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + pad(s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + pad(Math.floor(s % 3600 / 60)) + 'm';
  return Math.floor(s / 86400) + 'd ' + Math.floor(s % 86400 / 3600) + 'h';
}

/** A chart axis label: "14:05" for minute and hour buckets, "Mar 4" for day buckets (UTC). */
export function utcLabel(ms, unit) {
  var d = new Date(ms);
  var hm = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  if (unit === 'day') return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate();
  return hm;
}

/** "14:05" today (UTC), "Mar 4 14:05" on other days. */
export function shortTime(ms) {
  var d = new Date(ms);
  var hm = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  return new Date().toISOString().slice(0, 10) === d.toISOString().slice(0, 10) ? hm : MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate() + ' ' + hm;
}

/** "Mar 4, 14:05 UTC". */
export function utcLong(ms) {
  var d = new Date(ms);
  return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate() + ', ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ' UTC';
}
