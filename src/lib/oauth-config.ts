import { z } from 'zod';
import { notPublicUrl } from './public-url';

/**
 * OAUTH_PROVIDERS (api.md "Social and enterprise sign-in"): a JSON array of the providers a
 * user may sign in with. Parsed with the rest of the vars, so a typo refuses to start (every
 * route 503s and /health names it) instead of failing at a user's first click.
 */
const ProviderSchema = z.strictObject({
  /** In the URL (/auth/oauth/{id}/...) and in the secret's name: OAUTH_<ID>_CLIENT_SECRET. */
  id: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'lower-case letters, digits and _ (≤ 32)'),
  type: z.enum(['github', 'google', 'microsoft', 'apple', 'oidc']),
  /** The button's label; defaults by type (or the id for `oidc`). */
  name: z.string().trim().min(1).max(60).optional(),
  client_id: z.string().min(1).max(512),
  /** Better in the secret OAUTH_<ID>_CLIENT_SECRET (vars are readable by whoever sees them). */
  client_secret: z.string().min(1).optional(),
  /** `oidc`: the issuer, whose /.well-known/openid-configuration is read. */
  issuer: z.url().optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'one scope token'))
    .max(20)
    .optional(),
  /** `microsoft`: the Entra tenant (`common`, `organizations`, `consumers` or a tenant id). */
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .optional(),
  /** `apple`: the team and the key whose PKCS#8 PEM is the client secret. */
  team_id: z.string().min(1).optional(),
  key_id: z.string().min(1).optional(),
  /**
   * Whether the provider's `amr` saying it checked a second factor stands for this account's
   * second factor (security.md: off by default; the deployment vouches for the provider).
   */
  trust_provider_mfa: z.boolean().default(false),
});

export type OAuthProviderConfig = z.infer<typeof ProviderSchema>;

const parseJson = (text: string, ctx: z.RefinementCtx): unknown => {
  if (!text.trim()) return [];
  try {
    return JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of providers' });
    return z.NEVER;
  }
};

export const OAuthProvidersVar = z
  .string()
  .default('')
  .transform(parseJson)
  .pipe(z.array(ProviderSchema).max(20))
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((p, i) => {
      const refuse = (message: string) =>
        ctx.addIssue({ code: 'custom', path: [i], message: `${p.id}: ${message}` });
      if (seen.has(p.id)) refuse('duplicate id');
      seen.add(p.id);
      if (p.type === 'oidc' && !p.issuer) refuse('an oidc provider needs an issuer');
      if (p.type === 'apple' && (!p.team_id || !p.key_id)) refuse('apple needs team_id and key_id');
    });
  });

/** Outside development an issuer must be a public https:// URL (security.md "Outbound URLs"). */
export function checkOAuthProviders(
  v: { OAUTH_PROVIDERS: OAuthProviderConfig[] },
  ctx: z.RefinementCtx,
  development: boolean,
) {
  if (development) return;
  for (const p of v.OAUTH_PROVIDERS) {
    const problem = p.issuer ? notPublicUrl(p.issuer) : null;
    if (problem)
      ctx.addIssue({ code: 'custom', path: ['OAUTH_PROVIDERS'], message: `${p.id} ${problem}` });
  }
}

/** The secret's name for a provider id: OAUTH_GITHUB_CLIENT_SECRET for `github`. */
const secretNameOf = (id: string) => `OAUTH_${id.toUpperCase()}_CLIENT_SECRET`;

/**
 * Fills each provider's client secret from its OAUTH_<ID>_CLIENT_SECRET (which wins over the
 * JSON). The named providers are confidential clients and need one; an `oidc` one may be a
 * public client (PKCE alone).
 */
export function withProviderSecrets(
  providers: OAuthProviderConfig[],
  env: Record<string, unknown>,
): { providers: OAuthProviderConfig[]; problems: string[] } {
  const problems: string[] = [];
  const filled = providers.map((p) => {
    const fromEnv = env[secretNameOf(p.id)];
    const secret = typeof fromEnv === 'string' && fromEnv ? fromEnv : p.client_secret;
    if (!secret && p.type !== 'oidc')
      problems.push(`${secretNameOf(p.id)}: required for the ${p.type} provider ${p.id}`);
    return { ...p, client_secret: secret };
  });
  return { providers: filled, problems };
}
