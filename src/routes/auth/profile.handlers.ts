import { userWithProfile } from '../../domain/access';
import * as profiles from '../../domain/profile';
import { userOf } from '../../http/middleware/require-auth';
import { profileJson } from '../../http/shapes';
import type { AppRouteHandler } from '../../http/app-env';
import type * as routes from './profile.routes';

export const me: AppRouteHandler<typeof routes.me> = async (c) => {
  const { user, profile, grants, sessionCount, mfa, signInMethods } = await profiles.me(
    c.var.deps,
    userOf(c).userId,
  );
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
      organizations: grants.organizations,
      session_count: sessionCount,
      mfa,
      sign_in_methods: signInMethods,
    },
    200,
  );
};

export const getProfile: AppRouteHandler<typeof routes.getProfile> = async (c) => {
  const { profile } = await userWithProfile(c.var.deps, userOf(c).userId);
  return c.json(profileJson(profile), 200);
};

export const updateProfile: AppRouteHandler<typeof routes.updateProfile> = async (c) => {
  const body = c.req.valid('json');
  const fields = {
    firstName: body.first_name,
    lastName: body.last_name,
    username: body.username,
    bio: body.bio,
    avatarUrl: body.avatar_url,
  };
  const profile = await profiles.updateProfile(
    c.var.deps,
    userOf(c).userId,
    fields,
    Object.keys(body),
  );
  return c.json(profileJson(profile), 200);
};
