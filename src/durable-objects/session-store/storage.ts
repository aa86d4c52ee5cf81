import {
  attemptVerdict,
  otpVerdict,
  type AnswerVerdict,
  type ChallengeAnswer,
  type ChallengeRow,
  combinedAmr,
  type TokenRow,
  type OtpOutcome,
  type OtpRow,
} from './logic';

/**
 * The SessionStore's SQLite schema, and the statements of its second-step-of-login tables (each
 * call runs synchronously inside one object call).
 *
 * Storage (SQLite), one object per user:
 *   sessions(id PK, created_at, last_used_at, expires_at, ip, user_agent, country, amr, actor)
 *     one row per live session; expires_at is absolute (= refresh lifetime, security.md);
 *     actor is the admin of an impersonation session (null otherwise).
 *   refresh_tokens(hash PK, session_id, rotated_at, successor)
 *     SHA-256 of every refresh token a session has been issued; rotated_at and successor (the
 *     hash of the token it was exchanged for) are set once used. Presenting it again within the
 *     reuse interval is a concurrent refresh and gets the same successor back; later it is
 *     reuse (RFC 9700 §4.14.2) and ends the session.
 *   mfa_challenges(hash PK, verified_at, expires_at, attempts, amr): pending logins' mfa_tokens,
 *     with the first step's amr as JSON (NULL in rows opened before the column: a password).
 *   mfa_codes(method_id PK, challenge, code_hash, expires_at, attempts): the email/SMS code
 *     last sent for a method (a resend replaces it), bound to the login it was sent for ('' for
 *     an enrolment); checked and used up here, so parallel tries of one code succeed once.
 *   kv "blocked" → true while the account is suspended or deleted: no session can start, so a
 *     login racing with a suspension cannot leave a live session behind.
 *   kv "not_before" → ms: the credential epoch. Ending every session (password reset or change,
 *     suspension, deletion, "log out everywhere") moves it to that moment, and a session whose
 *     password was verified before it cannot start: a login that checked the old password while
 *     the reset ran must not create a session after the reset ended them all (security.md).
 *   kv "roles_changed_at" → ms: the last time the user's roles changed (marked before and after
 *     the D1 write). check() returns it, so /auth/verify reads roles from D1 only for a token
 *     whose roles were read no later than that; every other verify stays one call, to here.
 */
export function createTables(sql: SqlStorage) {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS sessions (
      id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL, ip TEXT, user_agent TEXT, country TEXT);
    CREATE TABLE IF NOT EXISTS refresh_tokens (
      hash TEXT PRIMARY KEY, session_id TEXT NOT NULL, rotated_at INTEGER);
    CREATE INDEX IF NOT EXISTS refresh_tokens_session ON refresh_tokens(session_id);`);
}

/** Brings an object created by an older version up to the current schema, once. */
export function migrate(sql: SqlStorage, kv: SyncKvStorage) {
  const version = kv.get<number>('schema_version') ?? 1;
  if (version < 2) {
    sql.exec('ALTER TABLE refresh_tokens ADD COLUMN successor TEXT');
    kv.put('schema_version', 2);
  }
  if (version < 3) {
    sql.exec(`CREATE TABLE IF NOT EXISTS mfa_challenges (hash TEXT PRIMARY KEY,
      verified_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, attempts INTEGER NOT NULL)`);
    kv.put('schema_version', 3);
  }
  if (version < 4) {
    const has = sql.exec("SELECT 1 FROM pragma_table_info('sessions') WHERE name = 'amr'");
    if (has.toArray().length === 0) sql.exec('ALTER TABLE sessions ADD COLUMN amr TEXT');
    kv.put('schema_version', 4);
  }
  if (version < 5) {
    sql.exec(`CREATE TABLE IF NOT EXISTS mfa_codes (method_id TEXT PRIMARY KEY,
      challenge TEXT NOT NULL, code_hash TEXT NOT NULL, expires_at INTEGER NOT NULL,
      attempts INTEGER NOT NULL)`);
    kv.put('schema_version', 5);
  }
  if (version < 6) {
    // The first step's amr (a passkey, an email link): the second step adds its factor to it.
    const has = sql.exec("SELECT 1 FROM pragma_table_info('mfa_challenges') WHERE name = 'amr'");
    if (has.toArray().length === 0) sql.exec('ALTER TABLE mfa_challenges ADD COLUMN amr TEXT');
    kv.put('schema_version', 6);
  }
  if (version < 7) {
    // An impersonation session's admin (RFC 8693 `act`): its tokens carry it on every refresh.
    const has = sql.exec("SELECT 1 FROM pragma_table_info('sessions') WHERE name = 'actor'");
    if (has.toArray().length === 0) sql.exec('ALTER TABLE sessions ADD COLUMN actor TEXT');
    kv.put('schema_version', 7);
  }
}

export interface OpenChallenge {
  hash: string;
  verifiedAt: number;
  /** The first step's amr (RFC 8176), e.g. ['pwd'], ['hwk'], ['email']. */
  amr: string[];
  ttlMs: number;
  now: number;
}

/** Stores a new challenge; expired ones are swept meanwhile. */
export function openChallenge(sql: SqlStorage, input: OpenChallenge) {
  sql.exec('DELETE FROM mfa_challenges WHERE expires_at <= ?', input.now);
  sql.exec(
    'INSERT INTO mfa_challenges (hash, verified_at, expires_at, attempts, amr) VALUES (?, ?, ?, 0, ?)',
    input.hash,
    input.verifiedAt,
    input.now + input.ttlMs,
    JSON.stringify(input.amr),
  );
}

/**
 * The checks of answering a challenge (object.ts answerChallenge), in one synchronous run: a
 * challenge that may still be tried, then the answer: right as the worker found it (`verified`),
 * or one of the email/SMS codes sent for this login. A right answer deletes the challenge (so
 * exactly one caller gets it); a wrong one counts a try, and after `maxAttempts` of them even
 * the right code is refused.
 */
export function answerChallenge(
  sql: SqlStorage,
  input: { hash: string; maxAttempts: number; now: number; answer: ChallengeAnswer },
): AnswerVerdict {
  const { hash, answer, now } = input;
  const row = sql
    .exec<ChallengeRow>(
      'SELECT verified_at, expires_at, attempts, amr FROM mfa_challenges WHERE hash = ?',
      hash,
    )
    .toArray()[0];
  const verdict = attemptVerdict(row, input.maxAttempts, now);
  if (verdict !== 'attempt' || !row) {
    return { ok: false, reason: verdict === 'attempt' ? 'unknown' : verdict };
  }
  let passed: { amr: string[]; methodId: string | null } | null = answer.verified;
  for (const candidate of passed ? [] : answer.otp) {
    const tried = { ...candidate, challenge: hash, maxAttempts: answer.maxOtpTries, now };
    if (useOtpCode(sql, tried) === 'ok') {
      passed = candidate;
      break;
    }
  }
  if (!passed) {
    sql.exec('UPDATE mfa_challenges SET attempts = attempts + 1 WHERE hash = ?', hash);
    return { ok: false, reason: 'wrong' };
  }
  sql.exec('DELETE FROM mfa_challenges WHERE hash = ?', hash);
  const amr = combinedAmr(row.amr, passed.amr);
  return { ok: true, verifiedAt: row.verified_at, amr, methodId: passed.methodId };
}

export interface PutOtpCode {
  methodId: string;
  challenge: string;
  codeHash: string;
  ttlMs: number;
  now: number;
}

/** Stores the code just sent for a method; it replaces any earlier one (a resend). */
export function putOtpCode(sql: SqlStorage, input: PutOtpCode) {
  sql.exec('DELETE FROM mfa_codes WHERE expires_at <= ?', input.now);
  sql.exec(
    'INSERT OR REPLACE INTO mfa_codes VALUES (?, ?, ?, ?, 0)',
    input.methodId,
    input.challenge,
    input.codeHash,
    input.now + input.ttlMs,
  );
}

/** Checks a code against a method's pending one (logic.ts otpVerdict), all in one call. */
export function useOtpCode(
  sql: SqlStorage,
  input: {
    methodId: string;
    challenge: string;
    codeHash: string;
    maxAttempts: number;
    now: number;
  },
): OtpOutcome {
  const row = sql
    .exec<OtpRow>(
      'SELECT challenge, code_hash, expires_at, attempts FROM mfa_codes WHERE method_id = ?',
      input.methodId,
    )
    .toArray()[0];
  const { outcome, keep } = otpVerdict(row, input);
  if (row && !keep) sql.exec('DELETE FROM mfa_codes WHERE method_id = ?', input.methodId);
  else if (outcome === 'wrong') {
    sql.exec('UPDATE mfa_codes SET attempts = attempts + 1 WHERE method_id = ?', input.methodId);
  }
  return outcome;
}

/** Whether a challenge may still be answered, without counting a try (sending it a code). */
export function challengeOpen(sql: SqlStorage, hash: string, maxAttempts: number, now: number) {
  const row = sql
    .exec<ChallengeRow>(
      'SELECT verified_at, expires_at, attempts FROM mfa_challenges WHERE hash = ?',
      hash,
    )
    .toArray()[0];
  return attemptVerdict(row, maxAttempts, now) === 'attempt';
}

/** A stored refresh token by its hash (logic.ts TokenRow). */
export const tokenRow = (sql: SqlStorage, hash: string) =>
  sql
    .exec<TokenRow>(
      'SELECT session_id, rotated_at, successor FROM refresh_tokens WHERE hash = ?',
      hash,
    )
    .toArray()[0];

/** A session's new, current refresh token. */
export const insertToken = (sql: SqlStorage, hash: string, sessionId: string) =>
  sql.exec(
    'INSERT INTO refresh_tokens (hash, session_id, rotated_at, successor) VALUES (?, ?, NULL, NULL)',
    hash,
    sessionId,
  );
