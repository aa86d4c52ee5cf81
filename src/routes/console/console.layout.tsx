/** @jsxImportSource hono/jsx */
import { raw } from 'hono/html';
import type { Child, FC } from 'hono/jsx';

// The console's frame: server-rendered, no script, one nonce'd <style> (the CSP allows nothing
// else), nothing loaded from another host. Light and dark follow the system; colours keep the
// WCAG AA contrast axe-core checks.
const CSS = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --text: #1b1f24; --muted: #57606a;
  --accent: #0b5cd5; --accent-text: #fff; --border: #c9d1d9; --danger: #b42318; --ok: #1a7f37;
  --warn-bg: #fff4ce; --warn: #5c4400; --bar: #0b5cd5; --bar2: #b42318; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --card: #161b22; --text: #e6edf3; --muted: #9da7b3; --accent: #4c9aff;
    --accent-text: #0d1117; --border: #3d444d; --danger: #ff8f84; --ok: #56d364;
    --warn-bg: #3d2e00; --warn: #ffdf7e; --bar: #4c9aff; --bar2: #ff8f84; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .75rem 1.5rem;
  background: var(--card); border-bottom: 1px solid var(--border); }
header strong { margin-right: 1rem; }
nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current=page] { font-weight: 700; text-decoration: underline; }
.who { margin-left: auto; color: var(--muted); }
main { max-width: 72rem; margin: 1.5rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; } h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible {
  outline: 3px solid var(--accent); outline-offset: 2px; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 10px; padding: 1rem 1.25rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(34rem, 100%), 1fr)); }
figure { margin: 0; }
.figures { display: flex; flex-wrap: wrap; gap: 1rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.figures li { min-width: 10rem; }
.figure { font-size: 1.75rem; font-weight: 700; display: block; }
table { width: 100%; border-collapse: collapse; background: var(--card); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--border); vertical-align: top; }
th { font-weight: 600; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; }
form.inline { display: inline; margin: 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; margin: 0 0 1rem; }
label { display: block; font-weight: 600; font-size: .9rem; }
input, select { font: inherit; color: inherit; background: var(--card); padding: .4rem .5rem;
  border: 1px solid var(--border); border-radius: 6px; }
button { font: inherit; font-weight: 600; padding: .4rem .8rem; border-radius: 6px; cursor: pointer;
  background: var(--accent); color: var(--accent-text); border: 1px solid var(--accent); }
button.danger { background: transparent; color: var(--danger); border-color: var(--danger); }
.muted { color: var(--muted); }
.notice { border-left: 4px solid var(--ok); padding: .5rem 1rem; background: var(--card); }
.error { border-left: 4px solid var(--danger); padding: .5rem 1rem; background: var(--card); }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .5rem 0 1rem; }
.pager { margin: 1rem 0; }
svg text { fill: var(--text); font-size: 11px; }
svg .axis { stroke: var(--border); }
svg .bar { fill: var(--bar); } svg .bar2 { fill: var(--bar2); }
.legend { display: flex; gap: 1rem; margin: .25rem 0; padding: 0; list-style: none; font-size: .9rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
.swatch.bar { background: var(--bar); } .swatch.bar2 { background: var(--bar2); }
details summary { cursor: pointer; }
`;

export type Section = 'overview' | 'users' | 'organizations' | 'audit';

const NAV: [Section, string, string][] = [
  ['overview', '/console', 'Overview'],
  ['users', '/console/users', 'Users'],
  ['organizations', '/console/organizations', 'Organizations'],
  ['audit', '/console/audit', 'Audit log'],
];

export const ConsoleLayout: FC<{
  title: string;
  nonce?: string;
  section?: Section;
  /** The signed-in admin's email (absent on the sign-in-less error pages). */
  admin?: string;
  children?: Child;
}> = (p) => (
  <>
    {raw('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${p.title} · Admin console`}</title>
        <style nonce={p.nonce}>{raw(CSS)}</style>
      </head>
      <body>
        <header>
          <strong>Admin console</strong>
          <nav aria-label="Console">
            <ul>
              {NAV.map(([id, href, text]) => (
                <li>
                  <a href={href} aria-current={p.section === id ? 'page' : undefined}>
                    {text}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {p.admin ? <span class="who">{`Signed in as ${p.admin}`}</span> : null}
        </header>
        <main>
          <h1>{p.title}</h1>
          {p.children}
        </main>
      </body>
    </html>
  </>
);
