import { devDependencies } from '../../../package.json';

/**
 * The /docs page: Scalar's API reference rendering /openapi.json. The renderer is a
 * devDependency pinned exactly (package.json, package-lock.json) that scripts/docs-assets.mjs
 * copies into public/, served by this worker from Workers Static Assets under this path: the
 * page loads nothing from another origin, so it works offline and runs only locked code.
 */
export const DOCS_SCRIPT_PATH = `/docs/assets/api-reference-${devDependencies['@scalar/api-reference']}.js`;

/** Content-Security-Policy of the docs page: same-origin script, styles, fonts and calls only. */
export const DOCS_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  // Styles need 'unsafe-inline': the bundle inserts its stylesheet and more <style> elements at
  // run time, and Vue writes style attributes through innerHTML. A nonce (Scalar reads one from
  // <meta property="csp-nonce">) covers only the main sheet: in Chromium six other inline styles
  // were still refused. Scripts stay 'self' only, and the page shows no user content.
  styleSrc: ["'self'", "'unsafe-inline'"],
  // System fonts (withDefaultFonts: false); the stylesheet's icons are data: URLs.
  fontSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  // The document, and "try it" requests to this origin (the document's only server).
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/**
 * Scalar's options (data-configuration): no fonts from its CDN, no telemetry, no request proxy
 * (it would relay "try it" calls, credentials included, through a third party), no AI agent.
 */
const CONFIGURATION = {
  withDefaultFonts: false,
  telemetry: false,
  proxyUrl: '',
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: 'never',
};

export const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>edge-auth API reference</title>
  </head>
  <body>
    <script id="api-reference" data-url="/openapi.json" data-configuration='${JSON.stringify(CONFIGURATION)}'></script>
    <script src="${DOCS_SCRIPT_PATH}"></script>
  </body>
</html>`;
