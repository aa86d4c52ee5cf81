import type { ProviderAdapter, ProviderConfig } from './provider';

/**
 * The adapter of a configured provider. Each protocol library is loaded by the first request
 * that needs it, not with the /auth group (start-up CPU is paid per isolate).
 */
export async function adapterFor(
  p: ProviderConfig,
  development: boolean,
): Promise<ProviderAdapter> {
  switch (p.type) {
    case 'oidc':
      return (await import('./oidc')).oidcAdapter(p, development);
    default:
      throw new Error(`no adapter for ${p.type}`);
  }
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
