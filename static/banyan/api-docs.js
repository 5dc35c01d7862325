// /api/v1/docs: start the vendored Swagger UI with the settings the page carries (banyan/api_docs.py).
// A file of its own because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-settings").textContent);
  config.dom_id = "#swagger-ui";
  config.presets = [window.SwaggerUIBundle.presets.apis];
  window.ui = window.SwaggerUIBundle(config);
})();
