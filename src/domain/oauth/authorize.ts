import * as q from '../../db/queries/oauth-grants';
import { findOAuthClient } from '../../db/queries/oauth-clients';
import { sessionStore } from '../../durable-objects/session-store/object';
import { randomToken, sha256 } from '../../lib/crypto';
import type { Deps } from '../deps';
import type { OAuthClient } from './clients';

/**
 * GET /oauth/authorize (code flow only, PKCE S256 for every client): the request is checked
 * here, then `decide` says what the browser sees. An unknown client or a redirect URI that is
 * not registered exactly is shown as an error page and never redirected to; every other error
 * goes back to the redirect URI with `error` and `state` (RFC 6749 §4.1.2.1).
 */

/** Codes live 60 s (security.md). */
const CODE_TTL_MS = 60_000;

export interface AuthorizeRequest {
  client: OAuthClient;
  redirectUri: string;
  state?: string;
  scopes: string[];
  nonce?: string;
  codeChallenge: string;
  prompt: Set<string>;
  maxAge?: number;
  resource?: string;
}

export type Parsed =
  | { kind: 'ok'; request: AuthorizeRequest }
  /** Shown as a page: the client or its redirect URI cannot be trusted. */
  | { kind: 'page'; message: string }
  | { kind: 'redirect'; to: string };

type Params = Record<string, string | undefined>;

/** The redirect URI with the answer's parameters (and `iss`, RFC 9207). */
export function redirectWith(redirectUri: string, issuer: string, params: Params) {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  url.searchParams.set('iss', issuer);
  return url.href;
}

const PKCE = /^[A-Za-z0-9._~-]{43,128}$/;

/** An RFC 8707 resource: an absolute URI without a fragment, never this API's own audience. */
export function checkResource(value: string, forbidden: string[]): boolean {
  if (!URL.canParse(value) || value.includes('#')) return false;
  return !forbidden.includes(value);
}

/**
 * Whether `redirectUri` is one that `clientId` registered, exactly: only then may a page's CSP
 * name its origin in form-action (routes/pages/pages.security.ts), whatever a URL asked for.
 */
export async function isRegisteredRedirect(
  deps: Pick<Deps, 'db'>,
  clientId: string,
  redirectUri: string,
): Promise<boolean> {
  const client = await findOAuthClient(deps.db, clientId);
  return client?.redirectUris.includes(redirectUri) ?? false;
}

export async function parseAuthorizeRequest(
  deps: Pick<Deps, 'db' | 'config'>,
  params: Params,
): Promise<Parsed> {
  const client = params.client_id ? await findOAuthClient(deps.db, params.client_id) : null;
  if (!client) return { kind: 'page', message: 'This application is not known here.' };
  const redirectUri = params.redirect_uri;
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return { kind: 'page', message: 'This application sent an address that is not registered.' };
  }
  const issuer = deps.config.JWT_ISSUER.replace(/\/+$/, '');
  const fail = (error: string, description: string): Parsed => ({
    kind: 'redirect',
    to: redirectWith(redirectUri, issuer, {
      error,
      error_description: description,
      state: params.state,
    }),
  });
  if (params.response_type !== 'code') {
    return fail('unsupported_response_type', 'Only response_type=code is supported');
  }
  if (!client.grantTypes.includes('authorization_code')) {
    return fail('unauthorized_client', 'This client may not use the code flow');
  }
  if (!params.code_challenge || !PKCE.test(params.code_challenge)) {
    return fail('invalid_request', 'PKCE is required: code_challenge with method S256');
  }
  if (params.code_challenge_method !== 'S256') {
    return fail('invalid_request', 'code_challenge_method must be S256');
  }
  const scopes = [...new Set((params.scope ?? '').split(' ').filter(Boolean))];
  if (scopes.length === 0 || scopes.some((s) => !client.scopes.includes(s))) {
    return fail('invalid_scope', 'A scope is missing or not allowed for this client');
  }
  const prompt = new Set((params.prompt ?? '').split(' ').filter(Boolean));
  if ([...prompt].some((p) => !['none', 'login', 'consent'].includes(p))) {
    return fail('invalid_request', 'prompt may be none, login or consent');
  }
  if (prompt.has('none') && prompt.size > 1) {
    return fail('invalid_request', 'prompt=none cannot be combined');
  }
  let maxAge: number | undefined;
  if (params.max_age !== undefined) {
    maxAge = Number(params.max_age);
    if (!/^\d{1,9}$/.test(params.max_age)) return fail('invalid_request', 'max_age is invalid');
  }
  const resource = params.resource;
  const forbidden = [deps.config.JWT_AUDIENCE, issuer];
  if (resource !== undefined && !checkResource(resource, forbidden)) {
    return fail('invalid_target', 'resource must be an absolute URI of another service');
  }
  const nonce = params.nonce;
  if ((nonce && nonce.length > 512) || (params.state && params.state.length > 2048)) {
    return fail('invalid_request', 'state or nonce is too long');
  }
  return {
    kind: 'ok',
    request: {
      client,
      redirectUri,
      state: params.state,
      scopes,
      nonce,
      codeChallenge: params.code_challenge,
      prompt,
      maxAge,
      resource,
    },
  };
}

/** Who is signed in on the hosted pages, as the authorization needs them. */
export interface Signed {
  userId: string;
  sessionId: string;
  amr?: string[];
}

export type Decision =
  { kind: 'sign_in'; maxAge?: number } | { kind: 'consent' } | { kind: 'redirect'; to: string };

/** When the user signed in (the session's start, ms), for max_age and auth_time. */
export async function authTimeOf(deps: Pick<Deps, 'sessions' | 'now'>, signed: Signed) {
  const info = await sessionStore(deps.sessions, signed.userId).get(signed.sessionId, deps.now());
  return info?.createdAt ?? deps.now();
}

/**
 * What the browser sees next: the sign-in page (signed out, `prompt=login`, or a sign-in older
 * than `max_age`), the consent page (not yet granted, or `prompt=consent`), or the redirect
 * with a code. With `prompt=none` anything but the code is an error sent back to the client.
 */
export async function decide(
  deps: Pick<Deps, 'db' | 'config' | 'sessions' | 'now' | 'events'>,
  request: AuthorizeRequest,
  signed: Signed | null,
): Promise<Decision> {
  const issuer = deps.config.JWT_ISSUER.replace(/\/+$/, '');
  const none = request.prompt.has('none');
  const back = (error: string): Decision => ({
    kind: 'redirect',
    to: redirectWith(request.redirectUri, issuer, { error, state: request.state }),
  });
  if (!signed) return none ? back('login_required') : { kind: 'sign_in' };
  const authTime = await authTimeOf(deps, signed);
  const tooOld = request.maxAge !== undefined && deps.now() - authTime > request.maxAge * 1000;
  if (request.prompt.has('login') || tooOld) {
    // Back from the sign-in page the request asks for a sign-in of the last minute instead
    // (routes/pages: prompt=login becomes max_age=60), so it does not loop.
    return none ? back('login_required') : { kind: 'sign_in', maxAge: 60 };
  }
  const consent = await q.findConsent(deps.db, signed.userId, request.client.id);
  const covered = consent && request.scopes.every((s) => consent.scopes.includes(s));
  if (!covered || request.prompt.has('consent')) {
    return none ? back('consent_required') : { kind: 'consent' };
  }
  return { kind: 'redirect', to: await issueCode(deps, request, signed, authTime) };
}

/** Records the user's consent (the scopes asked now, added to earlier ones), then the code. */
export async function grantConsent(
  deps: Pick<Deps, 'db' | 'config' | 'sessions' | 'now' | 'events'>,
  request: AuthorizeRequest,
  signed: Signed,
): Promise<string> {
  const earlier = await q.findConsent(deps.db, signed.userId, request.client.id);
  const scopes = [...new Set([...(earlier?.scopes ?? []), ...request.scopes])].sort();
  const event = {
    type: 'oauth_consent_granted' as const,
    user_id: signed.userId,
    metadata: { client_id: request.client.id, scopes },
  };
  await q.upsertConsent(
    deps.db,
    { userId: signed.userId, clientId: request.client.id, scopes, now: new Date(deps.now()) },
    deps.events.entry(event),
  );
  return issueCode(deps, request, signed, await authTimeOf(deps, signed));
}

/** The refusal sent back when the user declines. */
export const deniedRedirect = (deps: Pick<Deps, 'config'>, request: AuthorizeRequest) =>
  redirectWith(request.redirectUri, deps.config.JWT_ISSUER.replace(/\/+$/, ''), {
    error: 'access_denied',
    error_description: 'The user declined',
    state: request.state,
  });

/** A single-use code (only its hash stored), 60 s, bound to client, redirect URI and PKCE. */
async function issueCode(
  deps: Pick<Deps, 'db' | 'config' | 'now'>,
  request: AuthorizeRequest,
  signed: Signed,
  authTime: number,
): Promise<string> {
  const code = randomToken(32);
  const now = deps.now();
  await q.insertCode(deps.db, {
    codeHash: await sha256(code),
    grantId: crypto.randomUUID(),
    clientId: request.client.id,
    userId: signed.userId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scopes: request.scopes,
    nonce: request.nonce ?? null,
    resource: request.resource ?? null,
    authTime,
    amr: signed.amr ?? null,
    expiresAt: now + CODE_TTL_MS,
    usedAt: null,
  });
  const issuer = deps.config.JWT_ISSUER.replace(/\/+$/, '');
  return redirectWith(request.redirectUri, issuer, { code, state: request.state });
}
