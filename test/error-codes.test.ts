import { describe, expect, it } from 'vitest';
import { ERROR_CODE_NAMES } from '../src/lib/error-codes';
import { ApiError } from '../src/lib/errors';
import { api } from './helpers';

// One registry (src/lib/error-codes.ts) types every thrown code and generates the documented enum.
describe('the error-code registry', () => {
  it('types ApiError codes: an unknown code does not compile', () => {
    // The status comes from the registry, so an unknown code cannot even be constructed.
    // @ts-expect-error: NOT_A_CODE is not in src/lib/error-codes.ts (npm run typecheck fails).
    expect(() => new ApiError('NOT_A_CODE', 'never thrown')).toThrow(TypeError);
  });

  it('takes the status from the registry and fills in its text when a throw gives none', () => {
    expect(new ApiError('ACCOUNT_LOCKED').status).toBe(423);
    expect(new ApiError('UNSUPPORTED_MEDIA_TYPE').message).toBe(
      'Content-Type must be application/json',
    );
  });

  it('is the enum of error_code in the served document', async () => {
    const res = await api('GET', '/openapi.json');
    const codes = res.body.components.schemas.Error.properties.error_code;
    expect(codes.enum).toEqual(ERROR_CODE_NAMES);
    // The contract's codes (docs/api.md "Errors"), including those MFA and organizations use.
    expect(codes.enum).toEqual(
      expect.arrayContaining([
        'INVALID_CREDENTIALS',
        'SESSION_REVOKED',
        'VALIDATION_ERROR',
        'RATE_LIMITED',
        'DEPENDENCY_UNAVAILABLE',
        'INTERNAL_ERROR',
        'MFA_REQUIRED',
        'INVALID_MFA_CODE',
        'ALREADY_MEMBER',
        'EMAIL_NOT_VERIFIED',
      ]),
    );
  });
});
