/**
 * The SessionStore's types and pure decisions (object.ts loads, decides with these, stores).
 */
export interface Device {
  ip: string | null;
  userAgent: string | null;
  country: string | null;
}

export interface SessionInfo extends Device {
  id: string;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  /** RFC 8176 methods of the sign-in that started it, when more than the password. */
  amr: string[] | null;
  /** The admin impersonating the user in this session (RFC 8693 `act.sub`), else null. */
  actor: string | null;
}

/**
 * `replayed`: the token had just been rotated to this same successor (a concurrent refresh).
 * `superseded`: it had just been rotated and its successor already rotated too: refused, but
 * the session lives on (the other tab holds the newest token).
 */
export type RotateOutcome =
  | { ok: true; session: SessionInfo; replayed: boolean }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' | 'superseded' };

/** A session to start (`create`); `verifiedAt` is when its credentials were checked. */
export interface NewSession {
  sessionId: string;
  refreshHash: string;
  device: Device;
  ttlMs: number;
  /** Per-user cap (security.md "Sessions"): the oldest sessions beyond it end. */
  maxSessions: number;
  verifiedAt: number;
  now: number;
  amr?: string[];
  /** Set for an impersonation session: the admin acting as the user. */
  actor?: string;
}

export type CreateOutcome =
  { ok: true; session: SessionInfo } | { ok: false; reason: 'blocked' | 'stale_credentials' };

export type SessionRow = {
  id: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
  country: string | null;
  amr: string | null;
  actor?: string | null;
};

export const LAST_USED_GRANULARITY_MS = 60_000;

export const toInfo = (r: SessionRow): SessionInfo => ({
  id: r.id,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  expiresAt: r.expires_at,
  ip: r.ip,
  userAgent: r.user_agent,
  country: r.country,
  amr: r.amr ? (JSON.parse(r.amr) as string[]) : null,
  actor: r.actor ?? null,
});

/** A session as the values of its `sessions` row, in column order. */
export const sessionValues = (s: SessionInfo) => [
  s.id,
  s.createdAt,
  s.lastUsedAt,
  s.expiresAt,
  s.ip,
  s.userAgent,
  s.country,
  s.amr && JSON.stringify(s.amr),
  s.actor,
];

/** A stored refresh token: when it was rotated (null: current) and the hash it became. */
export type TokenRow = {
  session_id: string;
  rotated_at: number | null;
  successor: string | null;
};

/**
 * What presenting a refresh token means (RFC 9700 §4.14.2 with a reuse interval):
 * - `rotate`: current, exchange it;
 * - `reused`: rotated at least `reuseIntervalMs` ago, so whoever holds it is not the tab that
 *   rotated it: end the session;
 * - `replay`: rotated within the interval to this same successor, still unused (two tabs
 *   refreshing at once): hand back the same successor;
 * - `superseded`: rotated within the interval, but the successor moved on too: refuse, and
 *   leave the session to the tab holding the newest token.
 * A request stamped just before the rotation it raced counts as 0 ms later, so an interval of
 * 0 means no grace at all.
 */
export function rotationVerdict(
  token: TokenRow,
  successor: TokenRow | undefined,
  successorHash: string,
  reuseIntervalMs: number,
  now: number,
): 'rotate' | 'reused' | 'replay' | 'superseded' {
  if (token.rotated_at === null) return 'rotate';
  if (Math.max(0, now - token.rotated_at) >= reuseIntervalMs) return 'reused';
  return token.successor === successorHash && successor?.rotated_at === null
    ? 'replay'
    : 'superseded';
}

/**
 * A pending second step of login (an `mfa_token`, stored as its SHA-256): when the password
 * was verified (the session it leads to keeps that credential epoch), until when it lives, and
 * how many codes were tried with it.
 */
export type ChallengeRow = {
  verified_at: number;
  expires_at: number;
  attempts: number;
  /** The first step's amr as JSON; NULL for challenges opened before it was kept (a password). */
  amr?: string | null;
};

/**
 * The amr of a sign-in that passed a second step: the first step's methods (stored with the
 * challenge; ['pwd'] for a challenge that predates the column, when only passwords opened
 * one) followed by the factor's, each once (RFC 8176).
 */
export function combinedAmr(stored: string | null | undefined, factor: string[]): string[] {
  const first = stored ? (JSON.parse(stored) as string[]) : ['pwd'];
  return [...new Set([...first, ...factor])];
}

/**
 * The answer to a challenge: `verified` when the worker already found the code right (a TOTP
 * step or a backup code, used up in D1), else the email/SMS codes it may be, one per method,
 * each with the `amr` its factor adds to the first step's.
 */
export interface ChallengeAnswer {
  verified: { amr: string[]; methodId: string | null } | null;
  otp: { methodId: string; codeHash: string; amr: string[] }[];
  maxOtpTries: number;
}

export type AnswerVerdict =
  | { ok: true; verifiedAt: number; amr: string[]; methodId: string | null }
  | { ok: false; reason: 'unknown' | 'expired' | 'exhausted' | 'wrong' };

/** What answering a challenge ended in: the session it started, or why none. */
export type AnswerOutcome =
  | { ok: true; session: SessionInfo; methodId: string | null }
  | Extract<AnswerVerdict, { ok: false }>
  | Extract<CreateOutcome, { ok: false }>;

/**
 * Whether one more code may be tried with a challenge. Each try is counted before the code is
 * checked, so parallel guesses cannot exceed `maxAttempts`; once that many have failed, even
 * the right code is refused.
 */
export function attemptVerdict(
  row: ChallengeRow | undefined,
  maxAttempts: number,
  now: number,
): 'unknown' | 'expired' | 'exhausted' | 'attempt' {
  if (!row) return 'unknown';
  if (row.expires_at <= now) return 'expired';
  return row.attempts >= maxAttempts ? 'exhausted' : 'attempt';
}

/**
 * A pending email/SMS code (security.md "MFA"): its SHA-256, bound to one method and to the
 * login it was sent for (`challenge` = the mfa_token's hash, '' for an enrolment), alive until
 * `expires_at`, with the wrong tries made against it.
 */
export type OtpRow = { challenge: string; code_hash: string; expires_at: number; attempts: number };

export type OtpOutcome = 'ok' | 'wrong' | 'none';

/**
 * What presenting `codeHash` for a pending code means: `ok` uses it up; `wrong` counts a try
 * (the code dies at `maxAttempts`); `none` when there is no live code for this method and
 * challenge (never sent, expired, used, exhausted, or sent for another login).
 */
export function otpVerdict(
  row: OtpRow | undefined,
  input: { challenge: string; codeHash: string; maxAttempts: number; now: number },
): { outcome: OtpOutcome; keep: boolean } {
  if (!row || row.challenge !== input.challenge || row.expires_at <= input.now) {
    return { outcome: 'none', keep: row !== undefined && row.challenge !== input.challenge };
  }
  if (row.attempts >= input.maxAttempts) return { outcome: 'none', keep: false };
  if (row.code_hash === input.codeHash) return { outcome: 'ok', keep: false };
  return { outcome: 'wrong', keep: row.attempts + 1 < input.maxAttempts };
}
