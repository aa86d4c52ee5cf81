import type { Context } from 'hono';
import { grantsOf } from '../../db/queries/rbac';
import { updateProfile as writeProfile } from '../../db/queries/users';
import { userWithProfileOr404 } from '../../lib/access';
import type { Profile } from '../../db/schema';
import { audit } from '../../lib/audit';
import { ApiError } from '../../lib/errors';
import { sessionStore } from '../../durable-objects/session-store/object';
import type { AppEnv, AppRouteHandler } from '../../http/app-env';
import type * as routes from './profile.routes';

/** The API shape of a profile. */
export const profileJson = (p: Profile) => ({
  first_name: p.firstName,
  last_name: p.lastName,
  username: p.username,
  bio: p.bio,
  avatar_url: p.avatarUrl,
  updated_at: p.updatedAt.toISOString(),
});

const load = (c: Context<AppEnv>) => userWithProfileOr404(c, c.var.auth.sub);

export const me: AppRouteHandler<typeof routes.me> = async (c) => {
  // Roles come from D1, not the token, which may be up to 15 minutes older than a role change.
  const [{ user, profile }, grants, sessions] = await Promise.all([
    load(c),
    grantsOf(c.var.db, c.var.auth.sub),
    sessionStore(c.env.SESSIONS, c.var.auth.sub).list(Date.now()),
  ]);
  return c.json(
    {
      user_id: user.id,
      email: user.email,
      email_verified: user.emailVerifiedAt !== null,
      status: user.status,
      created_at: user.createdAt.toISOString(),
      profile: profileJson(profile),
      preferences: profile.preferences,
      roles: grants.roles,
      permissions: grants.permissions,
      session_count: sessions.length,
    },
    200,
  );
};

export const getProfile: AppRouteHandler<typeof routes.getProfile> = async (c) => {
  const { profile } = await load(c);
  return c.json(profileJson(profile), 200);
};

export const updateProfile: AppRouteHandler<typeof routes.updateProfile> = async (c) => {
  const body = c.req.valid('json');
  const result = await writeProfile(
    c.var.db,
    c.var.auth.sub,
    {
      firstName: body.first_name,
      lastName: body.last_name,
      username: body.username,
      bio: body.bio,
      avatarUrl: body.avatar_url,
    },
    new Date(),
  );
  if (!result.ok) throw new ApiError(409, 'CONFLICT', 'This username is taken');
  audit(c, 'profile_changed', { userId: c.var.auth.sub, metadata: { fields: Object.keys(body) } });
  const { profile } = await load(c);
  return c.json(profileJson(profile), 200);
};
