import { Apple, GitHub, Google, MicrosoftEntraId, type OAuth2Tokens } from 'arctic';
import { verifyIdToken } from './id-token';
import {
  FederationError,
  timedFetch,
  type Ceremony,
  type ProviderAdapter,
  type ProviderConfig,
  type ProviderProfile,
} from './provider';

/**
 * The named providers, through arctic (endpoints, client authentication, PKCE where the
 * provider takes it). GitHub has no ID token: its user and emails APIs say who signed in. The
 * others' ID tokens are verified with jose against their JWKS (id-token.ts), with our nonce.
 */

/** arctic's token exchange, its failures as the provider's. */
async function tokensOf(exchange: () => Promise<OAuth2Tokens>) {
  try {
    return await exchange();
  } catch (err) {
    throw new FederationError('provider_error', err);
  }
}

const codeOf = (params: URLSearchParams) => {
  const code = params.get('code');
  if (!code) throw new FederationError('provider_error');
  return code;
};

const withNonce = (url: URL, c: Ceremony) => {
  url.searchParams.set('nonce', c.nonce);
  return url;
};

/** Apple sends `email_verified` as a string ("true"), the others as a boolean. */
const verifiedFlag = (value: unknown) => value === true || value === 'true';

const fromClaims = (
  claims: Record<string, unknown>,
  emailVerified: (claims: Record<string, unknown>) => boolean,
): ProviderProfile => {
  const email = typeof claims.email === 'string' ? claims.email : null;
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((a) => typeof a === 'string') : [];
  return {
    subject: String(claims.sub),
    email,
    emailVerified: email !== null && emailVerified(claims),
    amr,
  };
};

const GITHUB_API = 'https://api.github.com';

/** GitHub's user: its numeric id is the subject; the primary verified address its email. */
async function githubProfile(accessToken: string): Promise<ProviderProfile> {
  const headers = {
    Authorization: `Bearer ${accessToken}`,
    Accept: 'application/vnd.github+json',
    'User-Agent': 'edge-auth',
  };
  const [userRes, emailsRes] = await Promise.all([
    timedFetch(`${GITHUB_API}/user`, { headers }),
    timedFetch(`${GITHUB_API}/user/emails`, { headers }),
  ]);
  if (!userRes.ok) throw new FederationError('provider_error');
  const user = await userRes.json<{ id?: unknown }>();
  if (typeof user.id !== 'number' && typeof user.id !== 'string')
    throw new FederationError('provider_error');
  // Without the user:email scope the list is refused: no verified address then.
  const emails = emailsRes.ok
    ? await emailsRes.json<{ email: string; primary: boolean; verified: boolean }[]>()
    : [];
  const primary = Array.isArray(emails) ? emails.find((e) => e.primary && e.verified) : undefined;
  return {
    subject: String(user.id),
    email: primary?.email ?? null,
    emailVerified: primary !== undefined,
    amr: [],
  };
}

/** PKCS#8 PEM (Apple's .p8 key) → its DER bytes. */
const pemBytes = (pem: string) =>
  Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (ch) => ch.charCodeAt(0));

/** Microsoft's issuer names the user's tenant: https://login.microsoftonline.com/{tid}/v2.0. */
const microsoftIssuer = (tenant: string) => (iss: string, payload: Record<string, unknown>) => {
  const tid = typeof payload.tid === 'string' ? payload.tid : '';
  const multiTenant = ['common', 'organizations', 'consumers'].includes(tenant);
  return (multiTenant || tid === tenant) && iss === `https://login.microsoftonline.com/${tid}/v2.0`;
};

export function socialAdapter(p: ProviderConfig, redirectUri: string): ProviderAdapter {
  const secret = p.client_secret ?? '';
  switch (p.type) {
    case 'github': {
      const github = new GitHub(p.client_id, secret, redirectUri);
      const scopes = p.scopes ?? ['read:user', 'user:email'];
      return {
        authorizationUrl: (c) => Promise.resolve(github.createAuthorizationURL(c.state, scopes)),
        async finish(_c, params) {
          const tokens = await tokensOf(() => github.validateAuthorizationCode(codeOf(params)));
          return githubProfile(tokens.accessToken());
        },
      };
    }
    case 'google': {
      const google = new Google(p.client_id, secret, redirectUri);
      const scopes = p.scopes ?? ['openid', 'email', 'profile'];
      return {
        authorizationUrl: (c) =>
          Promise.resolve(withNonce(google.createAuthorizationURL(c.state, c.verifier, scopes), c)),
        async finish(c, params) {
          const tokens = await tokensOf(() =>
            google.validateAuthorizationCode(codeOf(params), c.verifier),
          );
          const claims = await verifyIdToken(tokens.idToken(), {
            jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
            issuer: (iss) => iss === 'https://accounts.google.com' || iss === 'accounts.google.com',
            audience: p.client_id,
            nonce: c.nonce,
          });
          return fromClaims(claims, (cl) => verifiedFlag(cl.email_verified));
        },
      };
    }
    case 'microsoft': {
      const tenant = p.tenant ?? 'common';
      const entra = new MicrosoftEntraId(tenant, p.client_id, secret, redirectUri);
      const scopes = p.scopes ?? ['openid', 'email', 'profile'];
      return {
        authorizationUrl: (c) =>
          Promise.resolve(withNonce(entra.createAuthorizationURL(c.state, c.verifier, scopes), c)),
        async finish(c, params) {
          const tokens = await tokensOf(() =>
            entra.validateAuthorizationCode(codeOf(params), c.verifier),
          );
          const claims = await verifyIdToken(tokens.idToken(), {
            jwksUri: `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`,
            issuer: microsoftIssuer(tenant),
            audience: p.client_id,
            nonce: c.nonce,
          });
          // Entra's `email` is whatever the tenant's admin typed: never proof of the mailbox.
          return fromClaims(claims, () => false);
        },
      };
    }
    case 'apple': {
      const apple = new Apple(p.client_id, p.team_id!, p.key_id!, pemBytes(secret), redirectUri);
      const scopes = p.scopes ?? ['name', 'email'];
      return {
        authorizationUrl(c) {
          const url = withNonce(apple.createAuthorizationURL(c.state, scopes), c);
          // Apple answers a request for name or email only with response_mode=form_post.
          if (scopes.length > 0) url.searchParams.set('response_mode', 'form_post');
          return Promise.resolve(url);
        },
        async finish(c, params) {
          const tokens = await tokensOf(() => apple.validateAuthorizationCode(codeOf(params)));
          const claims = await verifyIdToken(tokens.idToken(), {
            jwksUri: 'https://appleid.apple.com/auth/keys',
            issuer: 'https://appleid.apple.com',
            audience: p.client_id,
            nonce: c.nonce,
          });
          return fromClaims(claims, (cl) => verifiedFlag(cl.email_verified));
        },
      };
    }
    default:
      throw new Error(`not a named provider: ${p.type}`);
  }
}
