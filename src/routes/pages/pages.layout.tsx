/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import { createContext, useContext, type Child, type FC } from 'hono/jsx';

// Server-rendered, no third-party assets, no script: every flow works as plain form posts.
// The one exception is Turnstile's widget when the bot check is on (pages.turnstile.tsx).
// Styles are one nonce'd <style> (pages.security.ts); light and dark follow the system.
const CSS = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --text: #1b1f24; --muted: #57606a;
  --accent: #0b5cd5; --accent-text: #fff; --border: #c9d1d9; --error-bg: #fdecea; --error: #8a1c12; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #9da7b3; --accent: #4c9aff;
    --accent-text: #0d1117; --border: #3d444d; --error-bg: #3b1714; --error: #ffb4a9; } }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg);
  color: var(--text); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
main { width: min(26rem, 100% - 2rem); background: var(--card); border: 1px solid var(--border);
  border-radius: 12px; padding: 2rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
input[type=email], input[type=password], input[type=text] { width: 100%; padding: .6rem .7rem;
  font: inherit; color: inherit; background: transparent; border: 1px solid var(--border); border-radius: 6px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; border: 0;
  border-radius: 6px; background: var(--accent); color: var(--accent-text); cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--border); }
fieldset { border: 0; padding: 0; margin: 1rem 0 0; } legend { font-weight: 600; }
.hint { color: var(--muted); font-size: .9rem; margin: .25rem 0 0; }
.error { background: var(--error-bg); color: var(--error); border-radius: 6px; padding: .75rem 1rem; }
.error ul { margin: .25rem 0 0; padding-left: 1.2rem; }
.links { margin-top: 1.5rem; display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; }
a { color: var(--accent); }
.brand { display: flex; align-items: center; gap: .6rem; margin: 0 0 1.25rem; color: var(--muted); font-weight: 600; }
.brand img { max-height: 2rem; width: auto; }
.flush { margin: 0; } label.choice { font-weight: 400; margin: .5rem 0 0; }
.cf-turnstile { margin-top: 1rem; }
.impersonation { border: 2px solid var(--error); background: var(--error-bg); color: var(--error);
  border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1rem; }
.impersonation button { margin-top: .5rem; }
`;

/** What an operator brands the pages with (BRAND_* vars, validated in config.ts). */
interface Brand {
  name: string;
  /** A path on this origin or a data:image URL (the CSP allows exactly those); '' for none. */
  logoUrl: string;
  /** #rrggbb or #rgb; '' keeps the default blue. */
  accent: string;
}

const DEFAULT_BRAND: Brand = { name: 'edge-auth', logoUrl: '', accent: '' };

/**
 * The configured brand (the vars passed validation, so they are used as they are); the default
 * one when the configuration is invalid and the page is an error page.
 */
export const brandOf = (
  config: { BRAND_NAME: string; BRAND_LOGO_URL: string; BRAND_ACCENT_COLOR: string } | undefined,
): Brand =>
  config
    ? { name: config.BRAND_NAME, logoUrl: config.BRAND_LOGO_URL, accent: config.BRAND_ACCENT_COLOR }
    : DEFAULT_BRAND;

/** The brand of the page being rendered (the handlers provide it, pages.shared.tsx). */
export const BrandContext = createContext<Brand>(DEFAULT_BRAND);

/** Whether an admin is impersonating in this browser (http/impersonation-hint.ts): the banner. */
export const ImpersonationContext = createContext(false);

/** The banner of every hosted page while impersonating, with the way to end it. */
const ImpersonationBanner: FC = () =>
  useContext(ImpersonationContext) ? (
    <div class="impersonation" role="region" aria-label="Impersonation">
      <p class="flush">
        <strong>Impersonation:</strong> an administrator is acting as this account. Password, second
        factors, passkeys and deletion are locked.
      </p>
      <form method="post" action="/console/impersonation/end">
        <button type="submit" class="secondary">
          End impersonation
        </button>
      </form>
    </div>
  ) : null;

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
function textOn(hex: string): string {
  const digits =
    hex.length === 4
      ? [...hex.slice(1)].map((d) => d + d)
      : [1, 3, 5].map((i) => hex.slice(i, i + 2));
  const [r, g, b] = digits.map((d) => {
    const c = parseInt(d, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#000' : '#fff';
}

/**
 * The stylesheet with the brand's accent in light and dark alike. Written raw: JSX escapes
 * text, and `&quot;Segoe UI&quot;` inside <style> is not CSS (the browser drops the whole
 * declaration). Nothing in it comes from a request; the accent passed the config's pattern.
 */
const stylesheet = (brand: Brand) =>
  raw(
    brand.accent
      ? `${CSS}:root { --accent: ${brand.accent}; --accent-text: ${textOn(brand.accent)}; }\n`
      : CSS,
  );

export const Layout: FC<{ title: string; nonce?: string; children?: Child }> = (props) => {
  const brand = useContext(BrandContext);
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{`${props.title} · ${brand.name}`}</title>
          <style nonce={props.nonce}>{stylesheet(brand)}</style>
        </head>
        <body>
          <main>
            <ImpersonationBanner />
            <p class="brand">
              {brand.logoUrl ? <img src={brand.logoUrl} alt="" height={32} /> : null}
              <span>{brand.name}</span>
            </p>
            <h1>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
};
