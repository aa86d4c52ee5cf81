// Development and test secrets: an Ed25519 signing key as a private JWK, an RSA one (RS256, the
// identity provider's ID tokens), a 256-bit pepper and a 256-bit AES-GCM key for stored MFA
// secrets.
// Used by scripts/dev-vars.mjs (writes .dev.vars) and vitest.config.ts (fresh per test run).
// Production secrets are made the same way and stored with `wrangler secret put`.

import { newRsaJwk } from './signing-key-rotation.mjs';

const base64url = (bytes) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** @returns {Promise<{ JWT_PRIVATE_KEY: string, JWT_RSA_SIGNING_KEYS: string, PASSWORD_PEPPER: string, MFA_ENCRYPTION_KEY: string }>} */
export async function generateSecrets(kid = `dev-${new Date().toISOString().slice(0, 10)}`) {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const rsa = await newRsaJwk(`${kid}-rs`);
  return {
    JWT_PRIVATE_KEY: JSON.stringify({ ...jwk, kid, alg: 'EdDSA' }),
    JWT_RSA_SIGNING_KEYS: JSON.stringify([rsa]),
    PASSWORD_PEPPER: base64url(crypto.getRandomValues(new Uint8Array(32))),
    MFA_ENCRYPTION_KEY: base64url(crypto.getRandomValues(new Uint8Array(32))),
  };
}

// Run directly (`node scripts/secrets.mjs`) to print a fresh pair for `wrangler secret put`.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await generateSecrets(), null, 2));
}
