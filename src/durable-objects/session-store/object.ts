import { DurableObject } from 'cloudflare:workers';
import {
  LAST_USED_GRANULARITY_MS,
  rotationVerdict,
  sessionValues,
  type AnswerOutcome,
  type ChallengeAnswer,
  toInfo,
  type CreateOutcome,
  type NewSession,
  type OtpOutcome,
  type RotateOutcome,
  type SessionInfo,
  type SessionRow,
} from './logic';
import * as storage from './storage';

/**
 * SessionStore: one SQLite-backed object per user (`idFromName(userId)`), holding that user's
 * sessions. Every method runs its reads and writes synchronously, so each call is atomic:
 * rotation and reuse detection cannot race, and revocation is visible to the very next check.
 * Its tables are described with their schema (storage.ts). An alarm at the earliest expiry deletes expired sessions and their tokens.
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
  async create(input: NewSession): Promise<CreateOutcome> {
    if (this.ctx.storage.kv.get('blocked')) return { ok: false, reason: 'blocked' };
    if (input.verifiedAt < this.notBefore()) return { ok: false, reason: 'stale_credentials' };
    const { sessionId, refreshHash, device, now } = input;
    const amr = input.amr ?? null;
    const actor = input.actor ?? null;
    const expiresAt = now + input.ttlMs;
    // The cap counts the user's own sessions: an impersonation (actor) neither counts nor pushes
    // one of them out.
    const overflow = actor
      ? []
      : this.sql
          .exec<{ id: string }>(
            'SELECT id FROM sessions WHERE actor IS NULL ORDER BY created_at DESC, id LIMIT -1 OFFSET ?',
            Math.max(0, input.maxSessions - 1),
          )
          .toArray();
    for (const { id } of overflow) this.end(id);
    const session = {
      id: sessionId,
      createdAt: now,
      lastUsedAt: now,
      expiresAt,
      ...device,
      amr,
      actor,
    };
    this.sql.exec(
      'INSERT INTO sessions (id, created_at, last_used_at, expires_at, ip, user_agent, country, amr, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ...sessionValues(session),
    );
    storage.insertToken(this.sql, refreshHash, sessionId);
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
    const token = storage.tokenRow(this.sql, refreshHash);
    if (!token) return { ok: false, reason: 'unknown' };
    const verdict = rotationVerdict(
      token,
      token.rotated_at === null ? undefined : storage.tokenRow(this.sql, successorHash),
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
    storage.insertToken(this.sql, successorHash, session.id);
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

  /**
   * The second step of a sign-in in one call (domain/sign-in/second-factor.ts): the challenge is tried
   * and, if the answer is right, used up and the session started with the challenge's
   * credential epoch and the factor's amr, as `create` would.
   */
  async answerChallenge(input: {
    hash: string;
    maxAttempts: number;
    answer: ChallengeAnswer;
    session: Omit<NewSession, 'verifiedAt' | 'amr'>;
  }): Promise<AnswerOutcome> {
    const { session, ...challenge } = input;
    const verdict = storage.answerChallenge(this.sql, { ...challenge, now: session.now });
    if (!verdict.ok) return verdict;
    const { verifiedAt, amr, methodId } = verdict;
    const created = await this.create({ ...session, verifiedAt, amr });
    return created.ok ? { ok: true, session: created.session, methodId } : created;
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
