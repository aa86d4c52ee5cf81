/**
 * The public surface of the AuthService entrypoint, for Workers that bind to it: plain types
 * with no import, so a caller gets them (package.json `exports["./rpc"]`) without pulling any of
 * this service's sources or dependencies into its build. `src/rpc.ts` implements this interface,
 * so the compiler keeps the two in step. Optional fields say `| undefined`, so the types hold
 * under `exactOptionalPropertyTypes` too. Every refusal is a discriminated union member with a
 * machine-readable `reason`; a method throws only when a dependency cannot answer (fail closed:
 * never "valid" or "allowed" by default).
 */

export type VerifyResult =
  | {
      valid: true;
      user_id: string;
      email: string;
      session_id: string;
      /** Roles and permissions read now, not from the token. */
      roles: string[];
      permissions: string[];
      /** RFC 8176 methods, when the sign-in took a second factor (`["pwd","otp"]`). */
      amr?: string[] | undefined;
      /** RFC 8693: the admin acting as the user, when the session is an impersonation. */
      act?: { sub: string } | undefined;
      expires_at: string;
    }
  | { valid: false; reason: 'invalid' | 'expired' | 'revoked' | 'bad_request' };

export interface AuthorizeQuestion {
  user_id: string;
  /** e.g. `dashboards`, `etl_jobs`, `organization`. */
  resource: string;
  /** e.g. `read`, `execute`, `delete`, `update`. */
  action: string;
  /** Ask inside an organization: the user's role there decides (a global admin keeps theirs). */
  organization_id?: string | undefined;
}

export type DenyReason =
  'unknown_user' | 'suspended' | 'not_member' | 'missing_permission' | 'bad_request';

/** What was wrong with a `bad_request` call, per field: the form of HTTP 422 `errors`. */
export interface FieldError {
  /** The argument's path, e.g. `organization_id` or `properties.plan`. */
  field: string;
  message: string;
}

export type AuthorizeResult =
  | { allowed: true }
  | {
      allowed: false;
      reason: Exclude<DenyReason, 'bad_request'>;
      /** The same in words, for logs. */
      detail: string;
    }
  | { allowed: false; reason: 'bad_request'; detail: string; errors: FieldError[] };

export type OrgRole = 'owner' | 'admin' | 'member' | 'viewer';

export interface OrganizationGrant {
  organization_id: string;
  name: string;
  role: OrgRole;
  permissions: string[];
}

export interface Permissions {
  user_id: string;
  roles: string[];
  permissions: string[];
  organizations: OrganizationGrant[];
}

export interface TrackInput {
  /** A lower-case identifier; the service's own event types (login_succeeded…) are refused. */
  event_type: string;
  user_id?: string | undefined;
  /** At most 32 flat values; names that look like secrets are refused. */
  properties?: Record<string, string | number | boolean | null> | undefined;
  /** ISO 8601; at most 7 days old or 5 minutes ahead. */
  timestamp?: string | undefined;
}

/** `rate_limited`: past RATE_LIMIT_ANALYTICS for the binding; retry after `retry_after` s. */
export type TrackResult =
  | { accepted: 1; event_id: string }
  | { accepted: 0; reason: 'bad_request'; detail: string; errors: FieldError[] }
  | { accepted: 0; reason: 'rate_limited'; detail: string; retry_after: number };

export interface AuthServiceRpc {
  /** Introspects an access token: a live session, then the user's current grants. */
  verify(token: string): Promise<VerifyResult>;
  /** Decides an action for a user now (roles and memberships read at decision time). */
  authorize(question: AuthorizeQuestion): Promise<AuthorizeResult>;
  /** A user's roles, permissions and organizations; null for an unknown user. */
  getPermissions(userId: string): Promise<Permissions | null>;
  /** Records a custom analytics event (on the queue when this resolves). */
  track(event: TrackInput): Promise<TrackResult>;
  /** The HTTP API over the same binding: `env.AUTH.fetch('https://auth/health')`. */
  fetch(request: Request): Promise<Response>;
}
