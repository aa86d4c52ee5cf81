import { z } from 'zod';

// The questions other services ask: is this access token valid, may this user do this. They
// come over HTTP (POST /auth/validate, /auth/authorize) and over the service binding
// (rpc-calls.ts): one schema each, here, so both edges refuse the same arguments. The HTTP edge
// adds its OpenAPI names and examples on top (http/schemas.ts).

export const ValidateQuestionSchema = z.strictObject({ token: z.string().min(1).max(8192) });

const Word = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case identifier');

export const AuthorizeQuestionSchema = z.strictObject({
  /** Required for services; defaults to the caller for users. */
  user_id: z.uuid().optional(),
  resource: Word,
  action: Word,
  // Organization ids are UUIDs: anything else is a malformed question (422 over HTTP,
  // bad_request over RPC), not a membership one.
  organization_id: z.uuid().optional(),
});
