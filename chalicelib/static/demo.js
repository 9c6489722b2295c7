/*
 * The demo: a small Bilten event listing as a single-page app (list, event, cart, checkout),
 * instrumented with the SDK the way a product team would. Settings for tests and embedding come
 * from window.biltenDemoConfig: {token, consent, batchSize, flushInterval, debug, experimentId}.
 */
(function () {
  'use strict';
  var root = window.BILTEN_ROOT || '';
  var conf = window.biltenDemoConfig || {};
  var T = window.Bilten;
  var EMOJI = { music: '🎷', tech: '💻', sports: '🏃', art: '🎨', food: '🍜', theatre: '🎭' };
  var TITLES = ['Jazz Night', 'Indie Fest', 'Python Summit', 'Cloud Days', 'City Marathon', 'Derby Final',
    'Modern Art Expo', 'Street Food Fair', 'Wine Tasting', 'Hamlet', 'Opera Gala', 'Techno Rave'];
  var CATS = ['music', 'tech', 'sports', 'art', 'food', 'theatre'];
  var EVENTS = TITLES.map(function (title, i) {
    return {
      id: 'evt-' + String(i).padStart(3, '0'), title: title + ' 2024', category: CATS[i % CATS.length],
      price: Math.round((15 + (i * 37) % 140 + 0.99) * 100) / 100, likes: 10 + (i * 7) % 50,
      date: new Date(Date.UTC(2024, 5 + (i % 6), 3 + i * 2)).toDateString(), venue: ['Arena', 'Club 9', 'Expo Hall', 'Old Town'][i % 4]
    };
  });
  var state = { liked: {}, bookmarked: {}, cart: [] };
  var view = document.getElementById('view');

  if (conf.token) T.identify(conf.token); // before init, so the first page view is the user's
  T.init({
    endpoint: root + '/api/v1/tracking', consent: conf.consent !== false, debug: !!conf.debug,
    batchSize: conf.batchSize || 10, flushInterval: conf.flushInterval || 3000
  });

  // Consent banner: shown until the visitor chooses.
  var banner = document.getElementById('consent');
  var choice = null;
  try { choice = localStorage.getItem('tracking_consent'); } catch (e) { /* blocked */ }
  if (conf.consent !== false && !choice) banner.hidden = false;
  document.getElementById('consent-accept').onclick = function () { T.setConsent(true); banner.hidden = true; };
  document.getElementById('consent-decline').onclick = function () { T.setConsent(false); banner.hidden = true; };

  function esc(s) { return String(s).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; }); }
  function find(id) { return EVENTS.filter(function (e) { return e.id === id; })[0]; }
  function money(v) { return '€' + v.toFixed(2); }
  function toast(text) {
    var el = document.createElement('div');
    el.className = 'toast'; el.textContent = text; document.body.appendChild(el);
    setTimeout(function () { el.remove(); }, 1500);
  }

  function go(path) {
    history.pushState({}, '', root + path);
    render();
    window.scrollTo(0, 0);
  }

  function actions(e) {
    return '<div class="actions">' +
      '<button class="like-button' + (state.liked[e.id] ? ' on' : '') + '" data-act="like" data-id="' + e.id + '">♥ Like (' + (e.likes + (state.liked[e.id] ? 1 : 0)) + ')</button>' +
      '<button class="share" data-act="share" data-id="' + e.id + '">Share</button>' +
      '<button class="bookmark' + (state.bookmarked[e.id] ? ' on' : '') + '" data-act="bookmark" data-id="' + e.id + '">Bookmark</button>' +
      '<button class="buy-ticket primary" data-act="buy" data-id="' + e.id + '">Buy ticket · ' + money(e.price) + '</button></div>';
  }

  function card(e) {
    return '<article class="event-card" data-id="' + e.id + '"><div class="art cat-' + e.category + '">' + EMOJI[e.category] + '</div>' +
      '<div class="body"><h3><a href="' + root + '/demo/events/' + e.id + '" data-link>' + esc(e.title) + '</a></h3>' +
      '<div class="meta">' + esc(e.date) + ' · ' + esc(e.venue) + ' · ' + e.category + '</div>' + actions(e) + '</div></article>';
  }

  function listView(query) {
    var q = (query || '').toLowerCase();
    var found = EVENTS.filter(function (e) { return !q || (e.title + ' ' + e.category).toLowerCase().indexOf(q) >= 0; });
    view.innerHTML = '<h1>' + (q ? 'Results for “' + esc(query) + '”' : 'Events near you') + '</h1>' +
      (found.length ? '<div class="grid">' + found.map(card).join('') + '</div>' : '<p class="empty">No events match your search.</p>');
    return found.length;
  }

  function detailView(e) {
    if (!e) { view.innerHTML = '<p class="empty">This event does not exist.</p>'; return; }
    var para = '<p>' + esc(e.title) + ' brings the best of ' + e.category + ' to ' + esc(e.venue) +
      '. Doors open at 19:00; the programme runs late into the night, with food stalls, a bar and a merch stand. ' +
      'Tickets are personal and can be transferred up to 24 hours before the event.</p>';
    view.innerHTML = '<div class="detail"><div class="hero cat-' + e.category + '" id="hero">' + EMOJI[e.category] + '</div>' +
      '<h1>' + esc(e.title) + '</h1><div class="meta">' + esc(e.date) + ' · ' + esc(e.venue) + '</div>' +
      new Array(7).join(para) + actions(e) + new Array(5).join(para) + '</div>';
    T.trackActivity('event_view', { eventId: e.id, category: e.category });
    T.trackEventInteraction(e.id, 'view', { source: 'event_page', category: e.category });
  }

  function cartView() {
    if (!state.cart.length) { view.innerHTML = '<h1>Your cart</h1><p class="empty">Your cart is empty.</p>'; return; }
    var total = state.cart.reduce(function (s, l) { return s + l.event.price * l.tickets; }, 0);
    view.innerHTML = '<h1>Your cart</h1>' + state.cart.map(function (l) {
      return '<div class="cart-line"><span>' + esc(l.event.title) + ' × ' + l.tickets + '</span><span>' + money(l.event.price * l.tickets) + '</span></div>';
    }).join('') + '<div class="cart-line"><strong>Total</strong><strong id="cart-total">' + money(total) + '</strong></div>' +
      '<p><button class="primary" id="purchase" data-act="purchase">Purchase</button></p>';
  }

  function render() {
    var path = location.pathname.slice(root.length);
    var parts = path.split('/').filter(Boolean); // ["demo", view, item]
    document.getElementById('cart-link').textContent = 'Cart (' + state.cart.length + ')';
    if (parts[1] === 'events' && parts[2]) detailView(find(parts[2]));
    else if (parts[1] === 'cart') cartView();
    else if (parts[1] === 'checkout') view.innerHTML = '<h1>Thank you!</h1><p>Your tickets are on their way to your inbox.</p><p><a href="' + root + '/demo" data-link>Back to events</a></p>';
    else listView(new URLSearchParams(location.search).get('q'));
  }

  document.addEventListener('click', function (ev) {
    var link = ev.target.closest('a[data-link]');
    if (link) {
      ev.preventDefault();
      var card = link.closest('.event-card');
      if (card) T.trackActivity('event_click', { eventId: card.getAttribute('data-id'), source: 'listing' });
      go(new URL(link.href).pathname.slice(root.length));
      return;
    }
    var btn = ev.target.closest('button[data-act]');
    if (!btn) return;
    var act = btn.getAttribute('data-act'), e = find(btn.getAttribute('data-id'));
    if (act === 'like') {
      T.trackEventInteraction(e.id, state.liked[e.id] ? 'unlike' : 'like', { previousLikes: e.likes });
      state.liked[e.id] = !state.liked[e.id]; render();
    } else if (act === 'bookmark') {
      T.trackEventInteraction(e.id, 'bookmark', { saved: !state.bookmarked[e.id] });
      state.bookmarked[e.id] = !state.bookmarked[e.id]; render();
    } else if (act === 'share') {
      T.trackEventInteraction(e.id, 'share', { platform: 'copy_link' });
      toast('Link copied');
    } else if (act === 'buy') {
      T.trackActivity('button_click', { buttonId: 'buy-ticket', eventId: e.id });
      T.trackActivity('add_to_cart', { eventId: e.id, tickets: 1 });
      state.cart.push({ event: e, tickets: 1 });
      go('/demo/cart');
    } else if (act === 'purchase') {
      var total = state.cart.reduce(function (s, l) { return s + l.event.price * l.tickets; }, 0);
      var first = state.cart[0].event;
      T.trackConversion('purchase', Math.round(total * 100) / 100, {
        orderId: 'order-' + Date.now(), eventId: first.id, currency: 'EUR', paymentMethod: 'credit_card',
        ticketCount: state.cart.reduce(function (s, l) { return s + l.tickets; }, 0)
      });
      state.cart = [];
      go('/demo/checkout');
    }
  });

  document.querySelector('form.search').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var q = ev.target.q.value.trim();
    history.pushState({}, '', root + '/demo' + (q ? '?q=' + encodeURIComponent(q) : ''));
    var results = listView(q);
    T.trackActivity('search', { query: q.slice(0, 200), results: results });
  });

  window.addEventListener('popstate', render);
  render();

  // What a real page would time: one API call, reported as a performance sample.
  var started = performance.now();
  fetch(root + '/api/v1/tracking/health').then(function (r) {
    T.trackPerformance({ endpoint: '/api/v1/tracking/health', method: 'GET', responseTime: performance.now() - started, statusCode: r.status });
  }, function (err) {
    T.trackPerformance({ endpoint: '/api/v1/tracking/health', method: 'GET', responseTime: performance.now() - started, statusCode: 503, errorMessage: String(err).slice(0, 200) });
  });

  if (conf.experimentId) {
    T.getVariant(conf.experimentId).then(function (variant) {
      if (variant) document.body.setAttribute('data-variant', variant);
    });
  }
})();
