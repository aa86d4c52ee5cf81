import { Webhook } from 'standardwebhooks';
import type { WebhookEndpoint } from '../../db/schema';
import { open, seal, type Keyring } from '../../lib/keyring';

/** How long the secret before a rotation keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

const SECRET_BYTES = 24;
const context = (endpointId: string) => `webhook:${endpointId}`;

/**
 * A new signing secret: its `whsec_` text (Standard Webhooks: base64 after the prefix), shown
 * once, and the same bytes sealed for storage (they must be read back to sign).
 */
export async function newSecret(keyring: Keyring, endpointId: string) {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  const text = `whsec_${btoa(String.fromCharCode(...bytes))}`;
  return { text, sealed: await seal(keyring, bytes, context(endpointId)) };
}

/** The secrets that sign at `now`: the current one, and the previous one inside its overlap. */
export async function signingSecrets(
  keyring: Keyring,
  endpoint: Pick<
    WebhookEndpoint,
    'id' | 'secretEnc' | 'previousSecretEnc' | 'previousSecretExpiresAt'
  >,
  now: number,
): Promise<Uint8Array[]> {
  const sealed = [endpoint.secretEnc];
  if (endpoint.previousSecretEnc && (endpoint.previousSecretExpiresAt?.getTime() ?? 0) > now) {
    sealed.push(endpoint.previousSecretEnc);
  }
  return Promise.all(sealed.map((s) => open(keyring, s, context(endpoint.id))));
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret,
 * space-separated (Standard Webhooks; a receiver accepts any one it can verify), signed by the
 * specification's own library.
 */
export const signatureHeader = (secrets: Uint8Array[], messageId: string, at: Date, body: string) =>
  secrets
    .map((secret) => new Webhook(secret, { format: 'raw' }).sign(messageId, at, body))
    .join(' ');
