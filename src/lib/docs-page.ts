/** The /docs page: Scalar's API reference rendering /openapi.json. */
const CDN = 'https://cdn.jsdelivr.net';

/** Content-Security-Policy of the docs page: the renderer's script and styles, nothing else. */
export const DOCS_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: [CDN],
  styleSrc: ["'unsafe-inline'", CDN],
  fontSrc: [CDN, 'data:'],
  imgSrc: ["'self'", 'data:', 'https:'],
  connectSrc: ["'self'"],
  frameAncestors: ["'none'"],
};

export const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>edge-auth API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json"></script>
    <script src="${CDN}/npm/@scalar/api-reference@1"></script>
  </body>
</html>`;
