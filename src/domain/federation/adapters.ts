import type { ProviderAdapter, ProviderConfig } from './provider';

/**
 * The adapter of a configured provider. Each protocol library (openid-client; arctic and jose)
 * is loaded by the first request that needs it, not with the /auth group (start-up CPU is paid
 * per isolate).
 */
export async function adapterFor(
  p: ProviderConfig,
  development: boolean,
  redirectUri: string,
): Promise<ProviderAdapter> {
  if (p.type === 'oidc') return (await import('./oidc')).oidcAdapter(p, development);
  return (await import('./social')).socialAdapter(p, redirectUri);
}

const NAMES = {
  github: 'GitHub',
  google: 'Google',
  microsoft: 'Microsoft',
  apple: 'Apple',
  oidc: null,
} as const;

/** The button's label: the configured name, else the provider's own. */
export const displayName = (p: ProviderConfig) => p.name ?? NAMES[p.type] ?? p.id;
