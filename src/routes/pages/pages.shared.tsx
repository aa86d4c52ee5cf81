/** @jsxImportSource hono/jsx */
// What every hosted page handler shares: rendering with the brand, reading a form, showing a
// refusal in words (orProblem, pageError).
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Child } from 'hono/jsx';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ReadyConfig } from '../../config';
import type { AppEnv } from '../../http/app-env';
import { EmailSchema } from '../../http/email';
import type { ErrorCode } from '../../lib/error-codes';
import { ApiError } from '../../lib/errors';
import { impersonationHinted } from '../../http/impersonation-hint';
import { BrandContext, brandOf, ImpersonationContext } from './pages.layout';
import { problemOf } from './pages.messages';
import { assertSameOriginForm, safeReturnTo } from './pages.security';
import { SiteKeyContext, siteKeyOf } from './pages.turnstile';
import { MessagePage, type Problem } from './pages.views';

export type C = Context<AppEnv>;

export const nonce = (c: C) => c.get('secureHeadersNonce');

/** `c.html` with the configured brand provided to the layout (pages.layout.tsx). */
export const html = (c: C, view: Child, status?: ContentfulStatusCode) => {
  const config = c.var.config as ReadyConfig | undefined;
  return c.html(
    <BrandContext.Provider value={brandOf(config)}>
      <SiteKeyContext.Provider value={config ? siteKeyOf(config) : ''}>
        <ImpersonationContext.Provider value={impersonationHinted(c)}>
          {view}
        </ImpersonationContext.Provider>
      </SiteKeyContext.Provider>
    </BrandContext.Provider>,
    status,
  );
};

/**
 * `return_to` of a sign-in form: the allowed origins, or a page of this service (the console,
 * /oauth/authorize). Kept on the context for the page's CSP (pages.security.ts pageHeaders).
 */
export function returnToOf(c: C, value: string | undefined) {
  const returnTo = safeReturnTo(c.var.config, value, new URL(c.req.url).origin);
  c.set('returnTo', returnTo);
  return returnTo;
}

export const Text = (max: number) => z.string().max(max);
// As long as safeReturnTo accepts (lib/return-to.ts): an authorization request's URL is long.
export const ReturnTo = Text(4096).optional();

/**
 * A page form's fields: only form encodings, only from this site (pages.security.ts), only the
 * fields the form has (strict), each bounded. A malformed post is a 422 page, never JSON.
 */
export async function readForm<T extends z.ZodRawShape>(
  c: C,
  shape: T,
): Promise<z.infer<z.ZodObject<T>>> {
  const type = (c.req.header('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Send the form as a form');
  }
  assertSameOriginForm(c);
  const parsed = z.strictObject(shape).safeParse(await c.req.parseBody());
  if (!parsed.success) throw new ApiError('VALIDATION_ERROR');
  return parsed.data;
}

/** An email field as the API checks it; a bad one is shown in words with the form again. */
export function emailOrProblem(value: string): { email: string } | { problem: Problem } {
  const parsed = EmailSchema.safeParse(value);
  return parsed.success
    ? { email: parsed.data }
    : { problem: problemOf(new ApiError('INVALID_EMAIL'))!.problem };
}

/** Runs `work`; an ApiError becomes `render(problem)` with its status, anything else propagates. */
export async function orProblem(
  c: C,
  work: () => Promise<Response>,
  render: (problem: Problem, code: ErrorCode) => Response | Promise<Response>,
) {
  try {
    return await work();
  } catch (err) {
    const shown = problemOf(err);
    if (!shown) throw err;
    const res = await render(shown.problem, (err as ApiError).code);
    return new Response(res.body, {
      status: shown.status,
      headers: new Headers([...res.headers, ...Object.entries(errHeaders(err))]),
    });
  }
}

const errHeaders = (err: unknown) => (err instanceof ApiError ? (err.extra.headers ?? {}) : {});

/**
 * The pages' error handler: a refusal before any handler ran (a rate limit, a foreign form, a
 * bad encoding) is shown in words too, with its status and headers (Retry-After).
 */
export const pageError = async (err: unknown, c: C) => {
  const shown = problemOf(err);
  if (!shown) throw err;
  const res = await html(
    c,
    <MessagePage
      nonce={nonce(c)}
      title="Something went wrong"
      message=""
      problem={shown.problem}
      link={{ href: '/login', text: 'Back to sign in' }}
    />,
  );
  for (const [name, value] of Object.entries(errHeaders(err))) res.headers.set(name, value);
  return new Response(res.body, { status: shown.status, headers: res.headers });
};
