/* The deployment's path prefix (API Gateway's stage, empty locally), read from the page's
   <meta name="bilten-root">: pages carry no inline script, so their Content-Security-Policy can
   forbid it. Loaded (classic, synchronous) before the SDK, the demo and the dashboard modules. */
(function () {
  var meta = document.querySelector('meta[name="bilten-root"]');
  window.BILTEN_ROOT = (meta && meta.getAttribute('content')) || '';
})();
