/**
 * The configuration that points the worker at the fake libSQL server (test/fake-libsql.ts):
 * imported by the fake in Node and by the tests in workerd, so it imports nothing.
 */
export const FAKE_LIBSQL_HOST = 'libsql.test';
export const FAKE_LIBSQL_ENV = {
  LIBSQL_URL: `http://${FAKE_LIBSQL_HOST}`,
  LIBSQL_AUTH_TOKEN: 'fake-libsql-token-for-tests',
};
