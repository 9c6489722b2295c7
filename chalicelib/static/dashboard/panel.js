/*
 * Panel: one dashboard section's loading, ready, empty and error states (data-state, the status
 * line, the error box with the API's message and a retry), plus the registry of every panel.
 * A load takes a generation from begin(); live(gen) drops an answer a newer load replaced.
 */

import { ApiError } from './api.js';
import { $, clear, el } from './dom.js';
import { state } from './state.js';

/** The panels by name, filled by main.js when it wires the page. */
export const panels = {};

let authFailed = function () {};

/** Who handles a refused token (401, or 403 on a core panel): main.js signs out. */
export function onAuthFailure(handler) { authFailed = handler; }

export function Panel(id, options) {
  this.id = id;
  this.el = $(id);
  this.statusEl = this.el.querySelector('[data-status]');
  this.emptyEl = this.el.querySelector('[data-empty]');
  this.core = !!(options && options.core);
  this.gen = 0;
  this.errorEl = null;
  this.retry = null;
}

/** Start a load; returns a token that `live()` checks so a stale answer is dropped. */
Panel.prototype.begin = function (quiet) {
  this.gen += 1;
  if (!quiet) this.set('loading');
  return this.gen;
};
Panel.prototype.live = function (gen) { return gen === this.gen && !!state.token; };

Panel.prototype.set = function (status, text) {
  this.el.dataset.state = status;
  this.el.setAttribute('aria-busy', status === 'loading' ? 'true' : 'false');
  clear(this.statusEl);
  if (status === 'loading') {
    this.statusEl.appendChild(el('span', { className: 'spinner', attrs: { 'aria-hidden': 'true' } }));
    this.statusEl.appendChild(document.createTextNode(text || 'Loading…'));
  } else if (text) {
    this.statusEl.textContent = text;
  }
  if (status !== 'error' && this.errorEl) {
    this.errorEl.remove();
    this.errorEl = null;
  }
  if (this.emptyEl) this.emptyEl.hidden = status !== 'empty';
};

Panel.prototype.fail = function (error, retry) {
  if (error && error.name === 'AbortError') return;
  if (!state.token) return;
  if (error instanceof ApiError && (error.status === 401 || (error.status === 403 && this.core))) {
    authFailed(error);
    return;
  }
  this.set('error');
  var text = error instanceof ApiError ? error.message : 'Something went wrong while drawing this panel.';
  if (!(error instanceof ApiError) && window.console) window.console.warn(error);
  var box = el('div', { className: 'alert alert-error', attrs: { role: 'alert' } }, [
    el('strong', null, [!(error instanceof ApiError) ? 'Could not show this: '
      : error.status === 403 ? 'Not allowed: ' : error.status === 400 ? 'Check the input: ' : 'Could not load: ']),
    el('span', { className: 'error-message' }, [text])
  ]);
  if (error instanceof ApiError && error.details && error.details.length) {
    box.appendChild(el('ul', { className: 'error-details' }, error.details.map(function (d) {
      return el('li', null, [el('code', null, [String(d.field || '')]), ' ', String(d.message || '')]);
    })));
  }
  if (error instanceof ApiError && error.code) box.appendChild(el('span', { className: 'error-code' }, [error.code]));
  if (retry) {
    box.appendChild(el('button', { type: 'button', className: 'btn btn-small', textContent: 'Try again', onclick: retry }));
  }
  if (this.errorEl) this.errorEl.remove();
  this.errorEl = box;
  this.el.querySelector('.panel-head').insertAdjacentElement('afterend', box);
};
