// Starts Swagger UI on /docs. A file of our own (not inline script) so the
// pages work under a Content-Security-Policy with script-src 'self'.
(function () {
  "use strict";
  if (document.getElementById("swagger-ui") && window.SwaggerUIBundle) {
    window.SwaggerUIBundle({
      url: "/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      docExpansion: "list",
      defaultModelsExpandDepth: 0,
      tryItOutEnabled: false,
      validatorUrl: null,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  }
})();
