// The SQL of `npm run admin -- grant EMAIL`, kept free of Node APIs so the tests run exactly
// these statements against the real D1.
//
// Why a link and not a flag on the account (security.md "Deployment and privileges"): whoever
// registered the address first chose its password, and that may not be the address's owner
// (account pre-hijacking). So a grant never makes the account's current password an admin's:
// it stores a single-use `admin_grant` token, and only POST /auth/reset-password with it makes
// the account an admin, in the same guarded batch that sets a new password, while every session
// of the account ends. An address with no account gets one whose password matches nothing
// until that link sets it.

/** 24 hours: the operator hands the link over by hand. */
export const ADMIN_GRANT_TTL_MS = 24 * 60 * 60 * 1000;

const EMAIL_SHAPE = /^[^\s@\u0000'"\\;]+@[^\s@\u0000'"\\;]+\.[^\s@\u0000'"\\;]+$/u;

/** The canonical form the worker stores (src/http/email.ts), or null for a bad address. */
export function canonicalAdminEmail(email) {
  const canonical = email.trim().normalize('NFKC').toLowerCase();
  return canonical.length <= 254 && EMAIL_SHAPE.test(canonical) ? canonical : null;
}

const literal = (value) =>
  typeof value === 'number'
    ? String(Math.trunc(value))
    : `'${String(value).replaceAll("'", "''")}'`;

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/**
 * The statements that issue an admin grant for `email` (canonical), and the token to hand over.
 * `wrangler d1 execute` takes no bound parameters, so values are SQL literals (quotes doubled;
 * the address is checked first).
 * @returns {Promise<{ token: string, statements: string[] }>}
 */
export async function adminGrantStatements(email, now = Date.now()) {
  const canonical = canonicalAdminEmail(email);
  if (!canonical) throw new Error(`not a valid email address: ${email}`);
  const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
  // The worker stores SHA-256(token) as base64url (src/lib/crypto.ts sha256).
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  const tokenHash = base64url(new Uint8Array(digest));
  const e = literal(canonical);
  const userOf = `(SELECT id FROM users WHERE email = ${e})`;
  return {
    token,
    statements: [
      // A password hash that parses as nothing: no password matches until the link sets one.
      `INSERT OR IGNORE INTO users (id, email, password_hash, created_at, updated_at) VALUES (${literal(crypto.randomUUID())}, ${e}, '!admin-grant-pending', ${now}, ${now})`,
      `INSERT OR IGNORE INTO profiles (user_id, updated_at) SELECT id, ${now} FROM users WHERE email = ${e}`,
      `INSERT OR IGNORE INTO user_roles (user_id, role, created_at) SELECT id, 'user', ${now} FROM users WHERE email = ${e}`,
      `DELETE FROM one_time_tokens WHERE purpose = 'admin_grant' AND user_id = ${userOf}`,
      `INSERT INTO one_time_tokens (id, user_id, purpose, token_hash, expires_at, created_at) SELECT ${literal(crypto.randomUUID())}, id, 'admin_grant', ${literal(tokenHash)}, ${now + ADMIN_GRANT_TTL_MS}, ${now} FROM users WHERE email = ${e}`,
    ],
  };
}
