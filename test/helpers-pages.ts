import { api } from './helpers';

/** The worker's own origin in the tests (JWT_ISSUER): the hosted pages accept forms from it. */
export const ORIGIN = 'http://auth.test';

/** A browser's form post from this site's own page. */
export const postForm = (
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  api('POST', path, {
    redirect: 'manual',
    body: new URLSearchParams(fields).toString(),
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Origin: ORIGIN,
      'Sec-Fetch-Site': 'same-origin',
      ...headers,
    },
  });
