import { expect } from 'vitest';
import { api } from './helpers';

/**
 * A software authenticator: a P-256 key made with WebCrypto, `none` attestation, real CBOR
 * attestation objects and authenticator data, real ECDSA signatures. What it sends goes through
 * @simplewebauthn/server's full verification in the worker, as a browser's would. Options let a
 * test lie the way an attacker's client can: another origin or RP ID, an old counter, no UV.
 */

/** The dev origin the worker accepts by default (JWT_ISSUER in scripts/dev-values.mjs). */
const ORIGIN = 'http://localhost:8787';
const RP_ID = 'localhost';

const enc = new TextEncoder();

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

const fromB64url = (text: string) =>
  Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const sha256 = async (bytes: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

// ---- A minimal CBOR encoder (RFC 8949): the types an attestation object needs. ----

type Cbor = number | string | Uint8Array | boolean | Cbor[] | Map<Cbor, Cbor>;

function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  return Uint8Array.of(m | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}

function cbor(value: Cbor): Uint8Array {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'boolean') return Uint8Array.of(value ? 0xf5 : 0xf4);
  if (typeof value === 'string') {
    const bytes = enc.encode(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  if (Array.isArray(value)) return concat(head(4, value.length), ...value.map(cbor));
  const entries = [...value.entries()];
  return concat(head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

// ---- The authenticator ----

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const u32 = (n: number) =>
  Uint8Array.of((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);

/** ECDSA's raw r‖s (WebCrypto) as the ASN.1 DER sequence WebAuthn signatures use. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.slice(i);
    if (v[0]! & 0x80) v = concat(Uint8Array.of(0), v);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

export interface Ceremony {
  origin?: string;
  rpId?: string;
  /** User verification (biometric, PIN): on unless a test turns it off. */
  uv?: boolean;
  /** The counter to report; by default the next one. */
  counter?: number;
  /** The challenge to sign, in place of the options' one. */
  challenge?: string;
}

export class SoftAuthenticator {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(16));
  counter = 0;
  userHandle: string | null = null;
  private constructor(
    private readonly keys: CryptoKeyPair,
    /** A synced passkey (backup eligible and backed up) or one bound to this device. */
    readonly synced: boolean,
  ) {}

  static async create(options: { synced?: boolean } = {}) {
    const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair;
    return new SoftAuthenticator(keys, options.synced ?? true);
  }

  get id() {
    return b64url(this.credentialId);
  }

  private flags(uv: boolean, extra = 0) {
    return FLAG_UP | (uv ? FLAG_UV : 0) | (this.synced ? FLAG_BE | FLAG_BS : 0) | extra;
  }

  private clientData(type: string, challenge: string, origin: string) {
    return enc.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** navigator.credentials.create(options).toJSON() */
  async register(options: any, c: Ceremony = {}) {
    const jwk = (await crypto.subtle.exportKey('jwk', this.keys.publicKey)) as JsonWebKey;
    const coseKey = new Map<Cbor, Cbor>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, fromB64url(jwk.x!)],
      [-3, fromB64url(jwk.y!)],
    ]);
    const idLength = Uint8Array.of(this.credentialId.length >> 8, this.credentialId.length & 0xff);
    const authData = concat(
      await sha256(enc.encode(c.rpId ?? options.rp?.id ?? RP_ID)),
      Uint8Array.of(this.flags(c.uv ?? true, FLAG_AT)),
      u32(c.counter ?? this.counter),
      new Uint8Array(16), // AAGUID: none
      idLength,
      this.credentialId,
      cbor(coseKey),
    );
    const attestationObject = cbor(
      new Map<Cbor, Cbor>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    this.userHandle = options.user?.id ?? null;
    const clientDataJSON = this.clientData(
      'webauthn.create',
      c.challenge ?? options.challenge,
      c.origin ?? ORIGIN,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal', 'hybrid'],
      },
    };
  }

  /** navigator.credentials.get(options).toJSON() */
  async assert(options: any, c: Ceremony = {}) {
    const counter = c.counter ?? ++this.counter;
    const authData = concat(
      await sha256(enc.encode(c.rpId ?? options.rpId ?? RP_ID)),
      Uint8Array.of(this.flags(c.uv ?? true)),
      u32(counter),
    );
    const clientDataJSON = this.clientData(
      'webauthn.get',
      c.challenge ?? options.challenge,
      c.origin ?? ORIGIN,
    );
    const signed = concat(authData, await sha256(clientDataJSON));
    const raw = new Uint8Array(
      await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, this.keys.privateKey, signed),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(derSignature(raw)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    };
  }
}

/** Registers a new passkey for a signed-in user (fresh session: no password needed). */
export async function addPasskey(
  token: string,
  options: { synced?: boolean; name?: string; password?: string } = {},
) {
  const authenticator = await SoftAuthenticator.create(options);
  const started = await api('POST', '/passkeys/register/options', {
    token,
    json: options.password ? { password: options.password } : {},
  });
  expect(started.status, started.text).toBe(200);
  const response = await authenticator.register(started.body.options);
  const done = await api('POST', '/passkeys/register/verify', {
    token,
    json: { response, ...(options.name ? { name: options.name } : {}) },
  });
  expect(done.status, done.text).toBe(201);
  return { authenticator, passkeyId: done.body.passkey_id as string };
}

/** POST /auth/passkey/options, optionally for an email. */
export async function passkeyOptions(email?: string) {
  const res = await api('POST', '/auth/passkey/options', { json: email ? { email } : {} });
  expect(res.status, res.text).toBe(200);
  return res.body as { challenge_id: string; options: any };
}

/** A whole passkey sign-in: options, an assertion, verify. Returns the verify response. */
export async function signInWithPasskey(authenticator: SoftAuthenticator, c: Ceremony = {}) {
  const { challenge_id, options } = await passkeyOptions();
  const response = await authenticator.assert(options, c);
  return api('POST', '/auth/passkey/verify', { json: { challenge_id, response } });
}
