import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from './users';

/**
 * The identity provider (this worker as an OAuth 2.1 / OpenID Connect server; not the social
 * sign-in, whose tables are its own). Scopes, URIs and grant types are JSON lists.
 */

/**
 * Relying parties. `secret_hash`: SHA-256 of a 256-bit random secret (high entropy, so no slow
 * hash: it is not a password), null for public clients (`token_endpoint_auth_method` none).
 * `id_token_alg` is RS256 unless the client asked for EdDSA.
 */
export const oauthClients = sqliteTable('oauth_clients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  logoUri: text('logo_uri'),
  secretHash: text('secret_hash'),
  redirectUris: text('redirect_uris', { mode: 'json' }).$type<string[]>().notNull(),
  grantTypes: text('grant_types', { mode: 'json' }).$type<string[]>().notNull(),
  scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
  tokenEndpointAuthMethod: text('token_endpoint_auth_method', {
    enum: ['client_secret_basic', 'client_secret_post', 'none'],
  }).notNull(),
  idTokenAlg: text('id_token_alg', { enum: ['RS256', 'EdDSA'] })
    .notNull()
    .default('RS256'),
  /** Who registered it: an admin's user id, or null (dynamic registration). */
  createdBy: text('created_by'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

/** What a user granted a client: remembered per user, client and scopes (sorted). */
export const oauthConsents = sqliteTable(
  'oauth_consents',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clientId] })],
);

/**
 * Authorization codes: only the SHA-256 is stored; single use (`used_at`, set by a conditional
 * UPDATE ... RETURNING that one request wins), 60 s. `grant_id` is chosen when the code is made,
 * so a reused code names the grant to revoke (RFC 6749 §4.1.2).
 */
export const oauthCodes = sqliteTable('oauth_codes', {
  codeHash: text('code_hash').primaryKey(),
  grantId: text('grant_id').notNull(),
  clientId: text('client_id')
    .notNull()
    .references(() => oauthClients.id, { onDelete: 'cascade' }),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  redirectUri: text('redirect_uri').notNull(),
  codeChallenge: text('code_challenge').notNull(),
  scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
  nonce: text('nonce'),
  resource: text('resource'),
  /** When the user signed in (the ID token's auth_time), ms. */
  authTime: integer('auth_time').notNull(),
  amr: text('amr', { mode: 'json' }).$type<string[]>(),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
});

/**
 * What a code (or client_credentials) was exchanged for. A user's grant is a session in their
 * SessionStore (`session_id`): its refresh token family, its revocation and its reuse interval
 * are the sessions' own; withdrawing consent ends the sessions of that client's grants.
 */
export const oauthGrants = sqliteTable(
  'oauth_grants',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id')
      .notNull()
      .references(() => oauthClients.id, { onDelete: 'cascade' }),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    sessionId: text('session_id'),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    resource: text('resource'),
    /**
     * When the user signed in (ms), kept for the ID tokens of later refreshes (OpenID Connect
     * Core 12.2: auth_time stays the original authentication's); null for client_credentials.
     */
    authTime: integer('auth_time'),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    index('oauth_grants_user_client').on(t.userId, t.clientId),
    index('oauth_grants_session').on(t.sessionId),
  ],
);

export type OAuthClient = typeof oauthClients.$inferSelect;
export type OAuthCode = typeof oauthCodes.$inferSelect;
export type OAuthGrant = typeof oauthGrants.$inferSelect;
