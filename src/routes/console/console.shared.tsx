/** @jsxImportSource hono/jsx */
// What every console page shares: who is asking (an admin signed in on the hosted pages), the
// CSRF token of its forms, reading a form, and the error pages.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Child, FC } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as consoleDomain from '../../domain/console';
import type { AppEnv } from '../../http/app-env';
import { pageSession, type PageSession } from '../../http/page-session';
import { ApiError } from '../../lib/errors';
import { ConsoleLayout } from './console.layout';

export type C = Context<AppEnv>;

/** The admin behind a console request, what they may do and their forms' CSRF token. */
export interface Admin {
  session: PageSession;
  email: string;
  rights: consoleDomain.ConsoleRights;
  csrf: string;
}

export const nonce = (c: C) => c.get('secureHeadersNonce');

export const render = (c: C, view: Child, status: ContentfulStatusCode = 200) =>
  c.html(view as string, status, { 'Cache-Control': 'no-store' });

/** A page that says no (403, 404, …) in the console's frame. */
const ProblemPage: FC<{ nonce?: string; title: string; message: string }> = (p) => (
  <ConsoleLayout title={p.title} nonce={p.nonce}>
    <p class="error" role="alert">
      {p.message}
    </p>
    <p>
      <a href="/console">Back to the console</a>
    </p>
  </ConsoleLayout>
);

const problem = (c: C, status: ContentfulStatusCode, title: string, message: string) =>
  render(c, <ProblemPage nonce={nonce(c)} title={title} message={message} />, status);

export const notFoundPage = (c: C) =>
  problem(c, 404, 'Not found', 'There is nothing at this address, or it no longer exists.');

/**
 * The signed-in admin, or the answer instead: signed out → the hosted sign-in page, coming back
 * here; signed in without admin_panel:read → 403. Rights are read from D1 on every request.
 */
async function adminOrAnswer(c: C): Promise<Admin | Response> {
  const session = await pageSession(c);
  if (!session) {
    const back = new URL(c.req.url);
    return c.redirect(`/login?return_to=${encodeURIComponent(back.href)}`, 302);
  }
  const deps = c.var.deps;
  const [rights, csrf] = await Promise.all([
    consoleDomain.consoleRights(deps, session.userId),
    consoleDomain.csrfToken(deps, session.sessionId),
  ]);
  if (!rights.read || session.claims.act) {
    return problem(c, 403, 'Not allowed', 'The admin console is for administrators.');
  }
  return { session, email: session.claims.email, rights, csrf };
}

/** A console handler: runs only for an admin (adminOrAnswer). */
export const forAdmin =
  (handler: (c: C, admin: Admin) => Promise<Response>) =>
  async (c: C): Promise<Response> => {
    const admin = await adminOrAnswer(c);
    return admin instanceof Response ? admin : handler(c, admin);
  };

/**
 * A console form post: a form encoding, sent from this origin (the browser's Origin header must
 * name it: a form on another site, or a request that hides where it comes from, is refused),
 * with the session's CSRF token, and only the fields named. 403 otherwise.
 */
export async function readConsoleForm<T extends z.ZodRawShape>(
  c: C,
  admin: Admin,
  shape: T,
): Promise<z.infer<z.ZodObject<T>>> {
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as a form');
  }
  const origin = c.req.header('Origin');
  if (origin !== new URL(c.req.url).origin || c.req.header('Sec-Fetch-Site') === 'cross-site') {
    throw new ApiError('CSRF_REJECTED', 'This form can only be sent from the console');
  }
  const body = await c.req.parseBody();
  const token = typeof body.csrf === 'string' ? body.csrf : undefined;
  await consoleDomain.checkCsrfToken(c.var.deps, admin.session.sessionId, token);
  const parsed = z.strictObject({ ...shape, csrf: z.string() }).safeParse(body);
  if (!parsed.success) throw new ApiError('VALIDATION_ERROR');
  return parsed.data as z.infer<z.ZodObject<T>>;
}

/** 403 unless the admin holds users:admin (the console's changes to accounts). */
export function requireManageUsers(admin: Admin) {
  if (!admin.rights.manageUsers) {
    throw new ApiError('FORBIDDEN', 'Changing accounts needs the permission users:admin');
  }
}

/** A hidden CSRF field and a submit button: every console change is one of these forms. */
export const ActionForm: FC<{
  action: string;
  csrf: string;
  label: string;
  danger?: boolean;
  children?: Child;
}> = (p) => (
  <form class="inline" method="post" action={p.action}>
    <input type="hidden" name="csrf" value={p.csrf} />
    {p.children}
    <button type="submit" class={p.danger ? 'danger' : undefined}>
      {p.label}
    </button>
  </form>
);

export const when = (at: Date | number | null | undefined) =>
  at === null || at === undefined
    ? '—'
    : new Date(at)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');

/** The console's error handler: a refusal as a page with its status, never JSON. */
export const consoleError = (err: unknown, c: C) => {
  if (!(err instanceof ApiError)) throw err;
  if (err.status === 404) return notFoundPage(c);
  const title = err.status === 403 ? 'Not allowed' : 'Something went wrong';
  return problem(c, err.status, title, err.message);
};
