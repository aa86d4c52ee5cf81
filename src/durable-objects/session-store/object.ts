import { DurableObject } from 'cloudflare:workers';
import {
  LAST_USED_GRANULARITY_MS,
  rotationVerdict,
  sessionValues,
  type AttemptOutcome,
  toInfo,
  type CreateOutcome,
  type OtpOutcome,
  type Device,
  type RotateOutcome,
  type SessionInfo,
  type SessionRow,
  type TokenRow,
} from './logic';
import * as storage from './storage';

/**
 * SessionStore: one SQLite-backed object per user (`idFromName(userId)`), holding that user's
 * sessions. Every method runs its reads and writes synchronously, so each call is atomic:
 * rotation and reuse detection cannot race, and revocation is visible to the very next check.
 *
 * Storage (SQLite):
 *   sessions(id PK, created_at, last_used_at, expires_at, ip, user_agent, country)
 *     one row per live session; expires_at is absolute (= refresh lifetime, security.md).
 *   refresh_tokens(hash PK, session_id, rotated_at, successor)
 *     SHA-256 of every refresh token a session has been issued; rotated_at and successor (the
 *     hash of the token it was exchanged for) are set once used. Presenting it again within the
 *     reuse interval is a concurrent refresh and gets the same successor back; later it is
 *     reuse (RFC 9700 §4.14.2) and ends the session.
 *   mfa_challenges(hash PK, verified_at, expires_at, attempts): pending logins' mfa_tokens.
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
 * An alarm at the earliest expiry deletes expired sessions and their tokens.
 */
/** The user's session object: one per user, so all their sessions share one strong store. */
export const sessionStore = (ns: DurableObjectNamespace<SessionStore>, userId: string) =>
  ns.get(ns.idFromName(userId));

export class SessionStore extends DurableObject {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    storage.createTables(this.sql);
    this.migrate();
  }

  /** Brings an object created by an older version up to the current schema (storage.ts). */
  private readonly migrate = () => storage.migrate(this.sql, this.ctx.storage.kv);

  /**
   * Starts a session whose first refresh token hashes to `refreshHash`. Refused while the
   * account is blocked, or when its credentials were verified (`verifiedAt`, taken before the
   * password hash was read) before the credential epoch: they may be the ones just replaced.
   */
  async create(input: {
    sessionId: string;
    refreshHash: string;
    device: Device;
    ttlMs: number;
    /** Per-user cap (security.md "Sessions"): the oldest sessions beyond it end. */
    maxSessions: number;
    verifiedAt: number;
    now: number;
    amr?: string[];
  }): Promise<CreateOutcome> {
    if (this.ctx.storage.kv.get('blocked')) return { ok: false, reason: 'blocked' };
    if (input.verifiedAt < this.notBefore()) return { ok: false, reason: 'stale_credentials' };
    const { sessionId, refreshHash, device, now } = input;
    const amr = input.amr ?? null;
    const expiresAt = now + input.ttlMs;
    const overflow = this.sql
      .exec<{ id: string }>(
        'SELECT id FROM sessions ORDER BY created_at DESC, id LIMIT -1 OFFSET ?',
        Math.max(0, input.maxSessions - 1),
      )
      .toArray();
    for (const { id } of overflow) this.end(id);
    const session = { id: sessionId, createdAt: now, lastUsedAt: now, expiresAt, ...device, amr };
    this.sql.exec(
      'INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ...sessionValues(session),
    );
    this.insertToken(refreshHash, sessionId);
    await this.scheduleExpiry(expiresAt);
    return { ok: true, session };
  }

  /**
   * Exchanges a current refresh token for `successorHash`. A token rotated less than
   * `reuseIntervalMs` ago is a concurrent refresh (two tabs): it gets the same successor back
   * while that one is unused, else a refusal that leaves the session alive; one rotated longer
   * ago is reuse, and the whole session ends (the thief and the victim both lose it, RFC 9700
   * §4.14.2). The successor is derived from the token, so a replay names the same hash.
   */
  rotate(input: {
    refreshHash: string;
    successorHash: string;
    reuseIntervalMs: number;
    now: number;
  }): RotateOutcome {
    const { refreshHash, successorHash, now } = input;
    const token = this.token(refreshHash);
    if (!token) return { ok: false, reason: 'unknown' };
    const verdict = rotationVerdict(
      token,
      token.rotated_at === null ? undefined : this.token(successorHash),
      successorHash,
      input.reuseIntervalMs,
      now,
    );
    if (verdict === 'reused') {
      this.end(token.session_id);
      return { ok: false, reason: 'reused' };
    }
    const session = this.live(token.session_id, now);
    if (!session) {
      this.end(token.session_id);
      return { ok: false, reason: 'expired' };
    }
    if (verdict === 'replay') return { ok: true, session, replayed: true };
    if (verdict === 'superseded') return { ok: false, reason: 'superseded' };
    this.sql.exec(
      'UPDATE refresh_tokens SET rotated_at = ?, successor = ? WHERE hash = ?',
      now,
      successorHash,
      refreshHash,
    );
    this.insertToken(successorHash, session.id);
    this.sql.exec('UPDATE sessions SET last_used_at = ? WHERE id = ?', now, session.id);
    return { ok: true, session: { ...session, lastUsedAt: now }, replayed: false };
  }

  /**
   * Whether a session is live now: what /auth/verify consults on every call. Also keeps
   * last_used_at current, written at most once a minute so verification stays read-mostly.
   */
  check(sessionId: string, now: number): { live: boolean; rolesChangedAt: number | null } {
    const session = this.live(sessionId, now);
    if (session && now - session.lastUsedAt >= LAST_USED_GRANULARITY_MS) {
      this.sql.exec('UPDATE sessions SET last_used_at = ? WHERE id = ?', now, sessionId);
    }
    return {
      live: session !== null,
      rolesChangedAt: this.ctx.storage.kv.get<number>('roles_changed_at') ?? null,
    };
  }

  /**
   * Records that the user's roles change at `now`: access tokens whose roles were read no later
   * than this may name roles the user no longer has (or lack new ones).
   */
  markRolesChanged(now: number): void {
    const current = this.ctx.storage.kv.get<number>('roles_changed_at') ?? 0;
    if (now > current) this.ctx.storage.kv.put('roles_changed_at', now);
  }

  /** One live session, or null. */
  get(sessionId: string, now: number): SessionInfo | null {
    return this.live(sessionId, now);
  }

  /** Ends one session. Returns whether it existed. */
  revoke(sessionId: string): boolean {
    return this.end(sessionId);
  }

  /** Ends the session a refresh token belongs to (logout with only a refresh token). */
  revokeByRefreshHash(refreshHash: string): string | null {
    const row = this.sql
      .exec<{ session_id: string }>(
        'SELECT session_id FROM refresh_tokens WHERE hash = ?',
        refreshHash,
      )
      .toArray()[0];
    return row && this.end(row.session_id) ? row.session_id : null;
  }

  /**
   * Ends every session, or every one but `exceptSessionId` (the caller's own, on a password
   * change), and moves the credential epoch to `now`: no login verified before it can start a
   * session afterwards. Returns how many ended.
   */
  revokeAll(input: { exceptSessionId?: string; now: number }): number {
    if (input.now > this.notBefore()) this.ctx.storage.kv.put('not_before', input.now);
    const ids = this.sql
      .exec<{ id: string }>(
        'SELECT id FROM sessions WHERE id IS NOT ?',
        input.exceptSessionId ?? null,
      )
      .toArray();
    for (const { id } of ids) this.end(id);
    return ids.length;
  }

  /** Ends every session and refuses new ones until `unblock` (suspension, deletion). */
  block(now: number): number {
    this.ctx.storage.kv.put('blocked', true);
    return this.revokeAll({ now });
  }

  /** Allows sessions again (reactivation). */
  unblock(): void {
    this.ctx.storage.kv.delete('blocked');
  }

  /** Live sessions, newest first. */
  list(now: number): SessionInfo[] {
    return this.sql
      .exec<SessionRow>('SELECT * FROM sessions WHERE expires_at > ? ORDER BY created_at DESC', now)
      .toArray()
      .map(toInfo);
  }

  /** Opens a second step of login (storage.ts): one row per mfa_token. */
  openChallenge(input: storage.OpenChallenge): void {
    storage.openChallenge(this.sql, input);
  }

  /** Counts one code tried with a challenge, if it may still be tried. */
  attemptChallenge(hash: string, maxAttempts: number, now: number): AttemptOutcome {
    return storage.attemptChallenge(this.sql, hash, maxAttempts, now);
  }

  /** Uses a challenge up (its code was right): true for exactly one caller. */
  consumeChallenge(hash: string): boolean {
    return storage.consumeChallenge(this.sql, hash);
  }

  /** Whether a challenge can still be answered (before sending it a code); counts no try. */
  challengeOpen(hash: string, maxAttempts: number, now: number): boolean {
    return storage.challengeOpen(this.sql, hash, maxAttempts, now);
  }

  /** Keeps the email/SMS code just sent for a method, replacing an earlier one. */
  putOtpCode(input: storage.PutOtpCode): void {
    storage.putOtpCode(this.sql, input);
  }

  /** Tries a code against a method's pending one: `ok` for exactly one caller. */
  useOtpCode(input: Parameters<typeof storage.useOtpCode>[1]): OtpOutcome {
    return storage.useOtpCode(this.sql, input);
  }

  /**
   * An operator switched the account's MFA off: pending codes and logins are forgotten and every
   * session ends (the credential epoch moves), in one call.
   */
  resetMfa(now: number): number {
    this.sql.exec('DELETE FROM mfa_codes');
    this.sql.exec('DELETE FROM mfa_challenges');
    return this.revokeAll({ now });
  }

  /** Liveness probe for /health. */
  ping(): 'ok' {
    return 'ok';
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const expired = this.sql
      .exec<{ id: string }>('SELECT id FROM sessions WHERE expires_at <= ?', now)
      .toArray();
    for (const { id } of expired) this.end(id);
    const next = this.sql
      .exec<{ at: number | null }>('SELECT min(expires_at) AS at FROM sessions')
      .one().at;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  private notBefore(): number {
    return this.ctx.storage.kv.get<number>('not_before') ?? 0;
  }

  private token(hash: string) {
    return this.sql
      .exec<TokenRow>(
        'SELECT session_id, rotated_at, successor FROM refresh_tokens WHERE hash = ?',
        hash,
      )
      .toArray()[0];
  }

  private insertToken(hash: string, sessionId: string) {
    this.sql.exec(
      'INSERT INTO refresh_tokens (hash, session_id, rotated_at, successor) VALUES (?, ?, NULL, NULL)',
      hash,
      sessionId,
    );
  }

  private live(sessionId: string, now: number): SessionInfo | null {
    const row = this.sql
      .exec<SessionRow>('SELECT * FROM sessions WHERE id = ? AND expires_at > ?', sessionId, now)
      .toArray()[0];
    return row ? toInfo(row) : null;
  }

  private end(sessionId: string): boolean {
    const deleted = this.sql
      .exec('DELETE FROM sessions WHERE id = ? RETURNING id', sessionId)
      .toArray();
    this.sql.exec('DELETE FROM refresh_tokens WHERE session_id = ?', sessionId);
    return deleted.length > 0;
  }

  private async scheduleExpiry(at: number) {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }
}
