import {
  attemptVerdict,
  otpVerdict,
  type AttemptOutcome,
  type ChallengeRow,
  type OtpOutcome,
  type OtpRow,
} from './logic';

/**
 * The SessionStore's SQLite schema, and the statements of its second-step-of-login table
 * (object.ts documents every table; each call runs synchronously inside one object call).
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
}

export interface OpenChallenge {
  hash: string;
  verifiedAt: number;
  ttlMs: number;
  now: number;
}

/** Stores a new challenge; expired ones are swept meanwhile. */
export function openChallenge(sql: SqlStorage, input: OpenChallenge) {
  sql.exec('DELETE FROM mfa_challenges WHERE expires_at <= ?', input.now);
  sql.exec(
    'INSERT INTO mfa_challenges VALUES (?, ?, ?, 0)',
    input.hash,
    input.verifiedAt,
    input.now + input.ttlMs,
  );
}

/** Counts one try before the code is checked, so parallel guesses cannot exceed the limit. */
export function attemptChallenge(
  sql: SqlStorage,
  hash: string,
  maxAttempts: number,
  now: number,
): AttemptOutcome {
  const row = sql
    .exec<ChallengeRow>(
      'SELECT verified_at, expires_at, attempts FROM mfa_challenges WHERE hash = ?',
      hash,
    )
    .toArray()[0];
  const verdict = attemptVerdict(row, maxAttempts, now);
  if (verdict !== 'attempt' || !row) {
    return { ok: false, reason: verdict === 'attempt' ? 'unknown' : verdict };
  }
  sql.exec('UPDATE mfa_challenges SET attempts = attempts + 1 WHERE hash = ?', hash);
  return { ok: true, verifiedAt: row.verified_at, attempt: row.attempts + 1 };
}

/** Deletes a challenge whose code was right: true for exactly one caller. */
export const consumeChallenge = (sql: SqlStorage, hash: string) =>
  sql.exec('DELETE FROM mfa_challenges WHERE hash = ? RETURNING hash', hash).toArray().length > 0;

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
