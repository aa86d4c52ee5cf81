import type { Profile } from '../domain/profile';
import type { User } from '../domain/users';
import type { SessionInfo } from '../durable-objects/session-store/logic';

// How domain records look in API answers, for every route folder that returns them (the
// schemas they match are in ./schemas.ts).

const iso = (ms: number) => new Date(ms).toISOString();

/** A profile (ProfileSchema). */
export const profileJson = (p: Profile) => ({
  first_name: p.firstName,
  last_name: p.lastName,
  username: p.username,
  bio: p.bio,
  avatar_url: p.avatarUrl,
  updated_at: p.updatedAt.toISOString(),
});

/** A session (SessionSchema), marking the caller's own. */
export const sessionJson = (s: SessionInfo, currentId: string) => ({
  id: s.id,
  created_at: iso(s.createdAt),
  last_used_at: iso(s.lastUsedAt),
  expires_at: iso(s.expiresAt),
  ip: s.ip,
  user_agent: s.userAgent,
  country: s.country,
  current: s.id === currentId,
  impersonated_by: s.actor,
});

/** The account part of a user (UserSummarySchema). */
export const userSummary = (u: User) => ({
  user_id: u.id,
  email: u.email,
  status: u.status,
  email_verified: u.emailVerifiedAt !== null,
  created_at: u.createdAt.toISOString(),
});
