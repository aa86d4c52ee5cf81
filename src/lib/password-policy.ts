import { COMMON_PASSWORDS } from './common-passwords.data';
import { ApiError } from './errors';

interface PasswordPolicy {
  minLength: number;
  requireComposition: boolean;
}

/** security.md: longer passwords are refused (422) before any hashing, never truncated. */
const PASSWORD_MAX_LENGTH = 1024;

let blocklist: Set<string> | undefined;
const isCommon = (normalized: string) =>
  (blocklist ??= new Set(COMMON_PASSWORDS.split('\n'))).has(normalized);

/**
 * Returns the reasons a password is refused (empty when it is acceptable). Lengths count code
 * points after NFKC (NIST SP 800-63B §3.1.1.2). The blocklist and the email check are always
 * on; composition rules can be turned off for deployments that follow NIST.
 */
function passwordProblems(password: string, policy: PasswordPolicy, email?: string): string[] {
  const normalized = password.normalize('NFKC');
  const length = [...normalized].length;
  if (length > PASSWORD_MAX_LENGTH) return [`must be at most ${PASSWORD_MAX_LENGTH} characters`];
  const problems: string[] = [];
  if (length < policy.minLength) problems.push(`must be at least ${policy.minLength} characters`);
  if (policy.requireComposition) {
    if (!/\p{Ll}/u.test(normalized)) problems.push('must contain a lower-case letter');
    if (!/\p{Lu}/u.test(normalized)) problems.push('must contain an upper-case letter');
    if (!/\p{Nd}/u.test(normalized)) problems.push('must contain a digit');
  }
  const lower = normalized.toLowerCase();
  if (isCommon(lower)) problems.push('is too common: it appears in lists of breached passwords');
  const local = email?.split('@')[0]?.toLowerCase();
  if (local && (local.length >= 4 ? lower.includes(local) : lower === local)) {
    problems.push('must not contain the email address');
  }
  return problems;
}

/** 422 WEAK_PASSWORD, one entry per problem, unless the password passes the configured policy. */
export function assertPasswordPolicy(
  config: { PASSWORD_MIN_LENGTH: number; PASSWORD_REQUIRE_COMPOSITION: boolean },
  password: string,
  email: string,
  field = 'password',
) {
  const policy = {
    minLength: config.PASSWORD_MIN_LENGTH,
    requireComposition: config.PASSWORD_REQUIRE_COMPOSITION,
  };
  const problems = passwordProblems(password, policy, email);
  if (problems.length) {
    throw new ApiError('WEAK_PASSWORD', 'Password does not meet the policy', {
      errors: problems.map((message) => ({ field, message })),
    });
  }
}
