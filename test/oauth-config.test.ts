import { describe, expect, it } from 'vitest';
import { apiWithEnv } from './helpers';
import { serviceHeaders } from './helpers-admin';
import { PRODUCTION_VARS } from './production-env';

/** /health as an operator sees it, under `overrides`: the config's problems, named. */
const healthOf = (overrides: Record<string, unknown>) =>
  apiWithEnv(overrides, 'GET', '/health', { headers: serviceHeaders() });

const providers = (...list: Record<string, unknown>[]) => ({
  OAUTH_PROVIDERS: JSON.stringify(list),
});

const google = { id: 'google', type: 'google', client_id: 'g-client' };

describe('OAUTH_PROVIDERS at start-up', () => {
  it.each([
    ['not JSON', { OAUTH_PROVIDERS: '[{' }, 'must be a JSON array of providers'],
    ['an unknown type', providers({ ...google, type: 'myspace' }), 'OAUTH_PROVIDERS.0.type'],
    ['a bad id', providers({ ...google, id: 'Google!' }), 'OAUTH_PROVIDERS.0.id'],
    [
      'two providers with one id',
      providers({ ...google, client_secret: 's' }, { ...google, client_secret: 's' }),
      'google: duplicate id',
    ],
    [
      'an oidc provider without an issuer',
      providers({ id: 'corp', type: 'oidc', client_id: 'c' }),
      'corp: an oidc provider needs an issuer',
    ],
    [
      'a named provider without its secret',
      providers(google),
      'OAUTH_GOOGLE_CLIENT_SECRET: required for the google provider google',
    ],
  ])('refuses %s', async (_, overrides, problem) => {
    const res = await healthOf(overrides);
    expect(res.status, res.text).toBe(503);
    expect(res.body.components.config).toBe('invalid');
    expect(res.body.problems.join('\n')).toContain(problem);
  });

  it('takes the secret from OAUTH_<ID>_CLIENT_SECRET', async () => {
    const res = await healthOf({
      ...providers(google),
      OAUTH_GOOGLE_CLIENT_SECRET: 'from-a-secret',
    });
    expect(res.status, res.text).toBe(200);
    const listed = await apiWithEnv(
      { ...providers(google), OAUTH_GOOGLE_CLIENT_SECRET: 'from-a-secret' },
      'GET',
      '/auth/oauth/providers',
    );
    expect(listed.body.items).toEqual([{ id: 'google', type: 'google', name: 'Google' }]);
  });

  it('refuses an http:// or localhost issuer outside development, allows https://', async () => {
    for (const issuer of ['http://idp.example.com', 'https://localhost:9000']) {
      const res = await healthOf({
        ...PRODUCTION_VARS,
        ...providers({ id: 'corp', type: 'oidc', client_id: 'c', issuer }),
      });
      expect(res.body.components.config, issuer).toBe('invalid');
      expect(res.body.problems.join('\n')).toContain('OAUTH_PROVIDERS');
    }
    const ok = await healthOf({
      ...PRODUCTION_VARS,
      ...providers({ id: 'corp', type: 'oidc', client_id: 'c', issuer: 'https://idp.example.com' }),
    });
    expect(ok.body.components.config, ok.text).not.toBe('invalid');
  });
});
