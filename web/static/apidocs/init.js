// The API reference page: Swagger UI on the document the page names (data-spec), no inline
// script (the Content-Security-Policy allows none). Vendored from npm swagger-ui-dist 5.35.0.
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null,
    persistAuthorization: false,
  });
});
