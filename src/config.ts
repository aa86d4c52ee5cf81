import { z } from '@hono/zod-openapi';
import { boolVar, intVar, listVar, rateVar } from './lib/env-vars';
import { checkWebAuthn } from './lib/webauthn-config';
import { abuseVars, checkOutbound, turnstileProblems } from './lib/abuse-config';
import { checkOAuthProviders, OAuthProvidersVar, withProviderSecrets } from './lib/oauth-config';
import { PBKDF2_MAX_ITERATIONS } from './lib/password';
import { notPublicUrl } from './lib/public-url';
import { checkLibsqlUrl, libsqlOutsideDevelopment, libsqlTokenProblems } from './lib/libsql-config';

export const PBKDF2_MIN_ITERATIONS = 10_000;

export const DEVELOPMENT_ENVIRONMENTS = ['development', 'test'] as const;

/**
 * security.md "Deployment": outside development a development value is a misconfiguration,
 * never a default. The outbox would publish every reset link at GET /dev/outbox, and an
 * http:// or localhost issuer, app URL or CORS origin means the deployment kept dev values.
 */
function refuseDevelopmentValues(
  v: {
    ENVIRONMENT: string;
    EMAIL_PROVIDER: string;
    SMS_PROVIDER: string;
    JWT_ISSUER: string;
    APP_URL: string;
    CORS_ORIGINS: string[];
    EMAIL_FROM: string;
    LIBSQL_URL: string;
  },
  ctx: z.RefinementCtx,
) {
  if ((DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(v.ENVIRONMENT)) return;
  const refuse = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  for (const key of ['EMAIL_PROVIDER', 'SMS_PROVIDER'] as const) {
    if (v[key] === 'outbox') refuse(key, 'the outbox notifier is for development only');
  }
  for (const key of ['JWT_ISSUER', 'APP_URL'] as const) {
    const problem = notPublicUrl(v[key]);
    if (problem) refuse(key, problem);
  }
  for (const origin of v.CORS_ORIGINS) {
    const problem = notPublicUrl(origin);
    if (problem) refuse('CORS_ORIGINS', `${origin} ${problem}`);
  }
  const libsql = libsqlOutsideDevelopment(v.LIBSQL_URL);
  if (libsql) refuse('LIBSQL_URL', libsql);
  if (/@localhost>?$/i.test(v.EMAIL_FROM)) {
    refuse('EMAIL_FROM', 'must be an address of a domain the email provider sends for');
  }
}

/** Non-secret vars from wrangler.toml. An invalid value refuses to start (every route 503s). */
export const VarsSchema = z
  .object({
    ENVIRONMENT: z.enum(['development', 'test', 'staging', 'production']).default('production'),
    JWT_ISSUER: z.string().min(1),
    JWT_AUDIENCE: z.string().min(1),
    ACCESS_TOKEN_TTL_SECONDS: intVar(60, 3600, 900),
    REFRESH_TOKEN_TTL_SECONDS: intVar(3600, 90 * 86400, 30 * 86400),
    /**
     * How long a just-rotated refresh token still gets its successor back (two tabs refreshing
     * at once); after it, presenting it is reuse and ends the session. 0 = no grace.
     */
    REFRESH_REUSE_INTERVAL_SECONDS: intVar(0, 60, 10),
    PBKDF2_ITERATIONS: intVar(PBKDF2_MIN_ITERATIONS, PBKDF2_MAX_ITERATIONS, PBKDF2_MAX_ITERATIONS),
    PASSWORD_MIN_LENGTH: intVar(8, 128, 8),
    PASSWORD_REQUIRE_COMPOSITION: boolVar(true),
    MAX_BODY_BYTES: intVar(1024, 1024 * 1024, 64 * 1024),
    // security.md "Brute force": 5 failures in 15 minutes lock the account for 15 minutes.
    LOGIN_MAX_FAILURES: intVar(1, 100, 5),
    LOGIN_FAILURE_WINDOW_SECONDS: intVar(60, 86400, 900),
    LOCKOUT_SECONDS: intVar(60, 86400, 900),
    /** Origins allowed by CORS; none by default. */
    CORS_ORIGINS: listVar,
    /**
     * The refresh token's cookie (`?transport=cookie`). `__Host-` pins it to this host, path /
     * and Secure. SameSite=None is for frontends on another site: they call with CORS
     * credentials, and the CSRF header check still applies.
     */
    REFRESH_COOKIE_NAME: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, - and _ only')
      .default('__Host-refresh'),
    REFRESH_COOKIE_SAMESITE: z.enum(['Strict', 'Lax', 'None']).default('Lax'),
    /** Sessions per user; starting one more ends the oldest. */
    MAX_SESSIONS_PER_USER: intVar(1, 100, 10),
    /** Base URL of the frontend pages that emailed links open (reset, verification). */
    APP_URL: z.url(),
    RESET_TOKEN_TTL_SECONDS: intVar(300, 86400, 1800),
    VERIFY_TOKEN_TTL_SECONDS: intVar(3600, 7 * 86400, 86400),
    /** Emails/SMS one account may trigger per purpose (messages cost money, security.md). */
    NOTIFY_LIMIT_PER_ACCOUNT: rateVar('5/3600'),
    /**
     * Whether anyone may create an account themself: POST /auth/register, the hosted
     * registration page and an email sign-in's `create_account`. Off: accounts come only from
     * admins and services.
     */
    SIGN_UP_OPEN: boolVar(true),
    /**
     * The identity provider's RFC 7591 dynamic client registration (POST /oauth/register):
     * off, so that only admins register clients, unless a deployment opens it (MCP clients).
     */
    OAUTH_DYNAMIC_REGISTRATION: boolVar(false),
    RATE_LIMIT_MFA_SEND: rateVar('5/3600'),
    /** Organization invitations one user may send (each is an email under our name). */
    RATE_LIMIT_INVITATIONS: rateVar('20/3600'),
    /** `outbox` keeps messages for GET /dev/outbox (development and test only). */
    EMAIL_PROVIDER: z.enum(['outbox', 'resend']).default('outbox'),
    EMAIL_FROM: z.string().min(3),
    RESEND_API_URL: z.url().default('https://api.resend.com/emails'),
    SMS_PROVIDER: z.enum(['outbox', 'twilio']).default('outbox'),
    SMS_FROM: z.string().default(''),
    TWILIO_API_URL: z.url().default('https://api.twilio.com'),
    BREAKER_FAILURE_THRESHOLD: intVar(1, 100, 5),
    BREAKER_COOLDOWN_SECONDS: intVar(1, 3600, 30),
    /** Days the hourly analytics rollups are kept (the cron prunes older ones). */
    ANALYTICS_RETENTION_DAYS: intVar(1, 3650, 400),
    /** Days raw analytics events (per-user drill-down) are kept (the cron prunes older ones). */
    ANALYTICS_RAW_RETENTION_DAYS: intVar(1, 3650, 30),
    /** Custom events one caller (user or service) may send, e.g. "120/60" per minute. */
    RATE_LIMIT_ANALYTICS: rateVar('120/60'),
    /** Distinct custom event types one caller may introduce per UTC day (beyond: 422). */
    ANALYTICS_CUSTOM_TYPES_PER_DAY: intVar(1, 10_000, 50),
    /** How long a webhook receiver has to answer before the attempt counts as failed. */
    WEBHOOK_TIMEOUT_MS: intVar(100, 30_000, 10_000),
    /**
     * Webhook back-off: attempt n waits base * 4^(n-1) seconds (at most 12 h, the queue's
     * longest delay): 30 s, 2 min, 8 min, 32 min, 2.1 h, 8.5 h, 12 h, about a day over the 8
     * attempts. Tests set 0 (retry at once) and fewer attempts.
     */
    WEBHOOK_RETRY_BASE_SECONDS: intVar(0, 3600, 30),
    WEBHOOK_MAX_ATTEMPTS: intVar(1, 20, 8),
    /**
     * A libSQL/Turso database in place of the D1 binding DB (docs/libsql.md); empty
     * means D1. Not in wrangler.toml's [vars] unless chosen.
     */
    LIBSQL_URL: z.string().default('').superRefine(checkLibsqlUrl),
    /** The hosted pages' branding (docs/deploying.md "Branding the hosted pages"). */
    BRAND_NAME: z.string().trim().min(1).max(60).default('edge-auth'),
    /**
     * A path on this worker's origin (a file in public/, e.g. /logo.svg) or a base64 data:image
     * URL: the pages' CSP allows images from exactly those, never another site (a tracker).
     */
    BRAND_LOGO_URL: z
      .string()
      .max(5120)
      .regex(
        /^(?:\/(?![/\\])[^\s"'<>]*|data:image\/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*)?$/,
        'must be a path on this origin (/logo.svg) or a data:image/...;base64, URL',
      )
      .default(''),
    /** The pages' accent colour (buttons, links, focus ring) as #rrggbb or #rgb. */
    BRAND_ACCENT_COLOR: z
      .string()
      .regex(/^(?:#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3})?$/, 'must be a colour like #0b5cd5')
      .default(''),
    /**
     * The passkeys' relying party (docs/passkeys.md): the RP ID (a registrable domain suffix of
     * every origin), its display name, and the origins whose pages may use them. Empty in
     * development means `localhost` and the dev origins; elsewhere passkeys are off until set.
     */
    WEBAUTHN_RP_ID: z.string().default(''),
    WEBAUTHN_RP_NAME: z.string().min(1).max(64).default('edge-auth'),
    WEBAUTHN_ORIGINS: listVar,
    ...abuseVars,
    /** Social and enterprise sign-in (docs/social-sign-in.md); none by default. */
    OAUTH_PROVIDERS: OAuthProvidersVar,
  })
  .superRefine(refuseDevelopmentValues)
  .superRefine((v, ctx) => {
    const development = (DEVELOPMENT_ENVIRONMENTS as readonly string[]).includes(v.ENVIRONMENT);
    checkWebAuthn(v, ctx, development);
    checkOutbound(v, ctx, development);
    checkOAuthProviders(v, ctx, development);
  });

/** Secrets: checked separately, so a missing one degrades only the routes that need it. */
export const SecretsSchema = z.object({
  JWT_SIGNING_KEYS: z.string().optional(),
  JWT_PRIVATE_KEY: z.string().optional(),
  JWT_PREVIOUS_PUBLIC_KEYS: z.string().optional(),
  /** The identity provider's RS256 keys of ID tokens: one private RSA JWK or a rotation list. */
  JWT_RSA_SIGNING_KEYS: z.string().optional(),
  PASSWORD_PEPPER: z.string().optional(),
  /** JSON object of service name → API key (each ≥ 32 characters), sent as X-API-Key. */
  SERVICE_API_KEYS: z.string().optional(),
  RESEND_API_KEY: z.string().optional(),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  /** 32 random bytes as base64url: the AES-GCM key of stored TOTP secrets. */
  MFA_ENCRYPTION_KEY: z.string().optional(),
  /** The Turso/sqld token of LIBSQL_URL (`turso db tokens create`); required unless local. */
  LIBSQL_AUTH_TOKEN: z.string().optional(),
  /** Cloudflare Turnstile's secret key: set, the sign-up and sign-in routes need a token. */
  TURNSTILE_SECRET: z.string().optional(),
});

export type Vars = z.infer<typeof VarsSchema>;

/**
 * Bindings and vars as wrangler.toml declares them (`Env`, generated by `npm run types` into
 * worker-configuration.d.ts), plus the secrets, which wrangler.toml cannot name: typed from
 * the schema that parses them.
 */
export type Bindings = Env & { [K in keyof z.input<typeof SecretsSchema>]?: string } & {
  /** An optional var (VarsSchema), so wrangler.toml does not declare it. */
  LIBSQL_URL?: string;
  /** Optional vars of passkeys (VarsSchema; development has defaults). */
  WEBAUTHN_RP_ID?: string;
  WEBAUTHN_RP_NAME?: string;
  WEBAUTHN_ORIGINS?: string;
  /** Optional vars of the abuse defenses (lib/abuse-config.ts). */
  BREACHED_PASSWORDS_TIMEOUT_MS?: string;
  TURNSTILE_VERIFY_URL?: string;
  /** Optional: the sign-in providers (VarsSchema), and each one's OAUTH_<ID>_CLIENT_SECRET. */
  OAUTH_PROVIDERS?: string;
  [secret: `OAUTH_${string}_CLIENT_SECRET`]: string | undefined;
};

export type Config =
  | ({ ok: true; database: 'd1' | 'libsql' } & Vars & z.infer<typeof SecretsSchema>)
  | { ok: false; problems: string[] };

/** A configuration that passed validation: what every part of the worker runs with. */
export type ReadyConfig = Extract<Config, { ok: true }>;

const cache = new WeakMap<object, Config>();

/**
 * Parses vars and secrets once per isolate (the runtime hands every request the same `env`
 * object). Never throws: a bad configuration becomes `{ ok: false }` for /health to report.
 */
export function getConfig(env: Bindings): Config {
  let config = cache.get(env);
  if (!config) {
    const vars = VarsSchema.safeParse(env);
    const secrets = SecretsSchema.safeParse(env);
    const problems = [...(vars.error?.issues ?? []), ...(secrets.error?.issues ?? [])].map(
      (i) => `${i.path.join('.')}: ${i.message}`,
    );
    if (vars.success && secrets.success) {
      problems.push(...libsqlTokenProblems(vars.data.LIBSQL_URL, secrets.data.LIBSQL_AUTH_TOKEN));
      problems.push(...turnstileProblems(vars.data, secrets.data));
    }
    const oauth = vars.success
      ? withProviderSecrets(vars.data.OAUTH_PROVIDERS, env as unknown as Record<string, unknown>)
      : null;
    problems.push(...(oauth?.problems ?? []));
    config =
      vars.success && secrets.success && problems.length === 0
        ? {
            ok: true,
            // Which database serves this deployment; the same rule as createDb's.
            database: vars.data.LIBSQL_URL ? 'libsql' : 'd1',
            ...vars.data,
            OAUTH_PROVIDERS: oauth?.providers ?? [],
            ...secrets.data,
          }
        : { ok: false, problems };
    cache.set(env, config);
  }
  return config;
}
