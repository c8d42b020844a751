// /schema: start the vendored Swagger UI on this service's own OpenAPI document.
(function start() {
  const node = document.getElementById("swagger-container");
  window.ui = window.SwaggerUIBundle({
    url: node.dataset.specUrl,
    dom_id: "#swagger-container",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The online validator would be a request to the internet: off.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
