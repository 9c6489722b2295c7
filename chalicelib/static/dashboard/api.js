/*
 * API client for the tracking API: fetch with the signed-in bearer token, the success/error
 * envelope, ApiError for every failure (HTTP, envelope or network), and query strings.
 * Requests share the session's AbortController, so signing out drops everything in flight.
 */

import { state } from './state.js';

const ROOT = window.BILTEN_ROOT || '';
const API = ROOT + '/api/v1/tracking';

export function ApiError(status, code, message, details) {
  this.name = 'ApiError';
  this.status = status;
  this.code = code;
  this.message = message;
  this.details = details || [];
}
ApiError.prototype = Object.create(Error.prototype);
ApiError.prototype.constructor = ApiError;

/** Resolves to {status, data} for a success envelope; rejects with an ApiError (or the AbortError). */
export function api(method, path, body) {
  var headers = { Authorization: 'Bearer ' + state.token, Accept: 'application/json' };
  var init = { method: method, headers: headers, cache: 'no-store', signal: state.abort ? state.abort.signal : undefined };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return fetch(API + path, init).then(function (response) {
    return response.text().then(function (text) {
      var json = null;
      try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
      if (response.ok && json && json.success) return { status: response.status, data: json.data };
      var error = (json && json.error) || {};
      var message = error.message || (json && (json.message || json.Message)) || response.statusText || 'Request failed';
      throw new ApiError(response.status, error.code || 'HTTP_' + response.status, message, error.details);
    });
  }, function (failure) {
    if (failure && failure.name === 'AbortError') throw failure;
    throw new ApiError(0, 'NETWORK_ERROR', 'Could not reach the API. Is the server running?', []);
  });
}

/** "?a=1&b=x" from the parameters that have a value ('' without any). */
export function query(params) {
  var parts = [];
  Object.keys(params).forEach(function (key) {
    if (params[key] !== undefined && params[key] !== null && params[key] !== '') {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(params[key]));
    }
  });
  return parts.length ? '?' + parts.join('&') : '';
}

/** The JWT's claims, decoded for display only (the API verifies the signature). */
export function claimsOf(token) {
  try {
    var part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    while (part.length % 4) part += '=';
    var text = decodeURIComponent(Array.prototype.map.call(atob(part), function (c) {
      return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
    }).join(''));
    var claims = JSON.parse(text);
    return claims && typeof claims === 'object' ? claims : null;
  } catch (e) {
    return null;
  }
}
