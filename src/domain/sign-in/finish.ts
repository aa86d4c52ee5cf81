import type { MfaType } from '../../db/schema';
import type { CreateOutcome, NewSession } from '../../durable-objects/session-store/logic';
import { sessionStore } from '../../durable-objects/session-store/object';
import { sha256 } from '../../lib/crypto';
import { ApiError } from '../../lib/errors';
import { requireSigningKeys } from '../../lib/secrets';
import type { Deps } from '../deps';
import type { LoginAttempt } from '../limits';
import { issueTokenPair, newRefreshToken, type Subject, type TokenPair } from '../sessions';

/**
 * The end of every way in (security.md "Sign-in methods"): the session starts in the user's
 * SessionStore, the account's failed attempts are forgotten, `login_succeeded` is emitted, and
 * the access token carries the sign-in's `amr`. The steps before it (password.ts,
 * second-factor.ts) only decide whether the user may in.
 */

/** A session to start, all but what the way in adds: when it was verified, its amr. */
type SessionDraft = Omit<NewSession, 'verifiedAt' | 'amr'>;

export interface SignedIn {
  tokens: TokenPair;
  sessionId: string;
}

/**
 * What a first step (a password, a passkey, an email link or code) ends in: a session, or, when
 * the account has a second factor the step does not stand for, a challenge to answer before any
 * session starts (second-factor.ts). Callers handle both.
 */
export type SignInResult =
  | ({ kind: 'tokens' } & SignedIn)
  | { kind: 'challenge'; mfaToken: string; methods: { method_id: string; type: MfaType }[] };

type Started = CreateOutcome;

interface SignIn {
  subject: Subject;
  /** The lockout slot the step reserved: cleared once the session exists. */
  attempt: LoginAttempt;
  /**
   * Starts the session; by default SessionStore `create` with `verifiedAt` (when the
   * credentials were checked, before the hash was read: security.md's credential epoch). The
   * second step starts it in the same call that uses its challenge up, and throws on a wrong
   * answer; only then is the lockout cleared, where the default clears it alongside.
   */
  start: { verifiedAt: number } | ((draft: SessionDraft) => Promise<Started>);
}

export async function finishSignIn(deps: Deps, signIn: SignIn): Promise<SignedIn> {
  requireSigningKeys(deps.secrets);
  const { subject, attempt, start } = signIn;
  const { ip, userAgent, country } = deps.origin;
  const refreshToken = newRefreshToken(subject.id);
  const draft: SessionDraft = {
    sessionId: crypto.randomUUID(),
    refreshHash: await sha256(refreshToken),
    device: { ip, userAgent, country },
    ttlMs: deps.config.REFRESH_TOKEN_TTL_SECONDS * 1000,
    maxSessions: deps.config.MAX_SESSIONS_PER_USER,
    now: deps.now(),
  };
  let started: Started;
  if (typeof start === 'function') {
    started = await start(draft);
    if (started.ok) await attempt.clear();
  } else {
    const clearing = attempt.clear();
    const store = sessionStore(deps.sessions, subject.id);
    const creating = store.create({ ...draft, verifiedAt: start.verifiedAt, amr: subject.amr });
    [started] = await Promise.all([creating, clearing]);
  }
  if (!started.ok) {
    if (started.reason === 'blocked')
      throw new ApiError('ACCOUNT_SUSPENDED', 'This account is suspended');
    // Every session ended since the credentials were checked (a reset, a password change): the
    // password checked may be the one just replaced, so it is answered like a wrong one.
    deps.events.emit({
      type: 'login_failed',
      user_id: subject.id,
      metadata: { reason: 'credentials_changed' },
    });
    throw new ApiError('INVALID_CREDENTIALS', 'Invalid email or password');
  }
  const { session } = started;
  const amr = session.amr ?? undefined;
  const tokens = await issueTokenPair(deps, { ...subject, amr }, session.id, refreshToken);
  deps.events.emit({
    type: 'login_succeeded',
    user_id: subject.id,
    metadata: { session_id: session.id },
  });
  return { tokens, sessionId: session.id };
}
