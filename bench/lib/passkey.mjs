// A software passkey for the bench's passkey sign-in row: a P-256 key made with Node's WebCrypto,
// `none` attestation, the CBOR and signatures a browser's authenticator sends, so the worker runs
// @simplewebauthn/server's full verification. The test suite's copy (test/helpers-webauthn.ts)
// also lies the way an attacker's client can; this one only tells the truth.

/** The development relying party (src/domain/factors/webauthn.ts: JWT_ISSUER's origin). */
const ORIGIN = 'http://localhost:8787';
const RP_ID = 'localhost';

const enc = new TextEncoder();
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const fromB64url = (text) => new Uint8Array(Buffer.from(text, 'base64url'));
const concat = (...parts) => new Uint8Array(Buffer.concat(parts));
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));

/** The CBOR (RFC 8949) of the few types an attestation object holds. */
function head(major, n) {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  return Uint8Array.of(m | 25, n >> 8, n & 0xff);
}
function cbor(value) {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string')
    return concat(head(3, enc.encode(value).length), enc.encode(value));
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  const entries = [...value.entries()];
  return concat(head(5, entries.length), ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)]));
}

const FLAGS = 0x01 | 0x04 | 0x08 | 0x10; // user present, user verified, backup eligible and state
const FLAG_AT = 0x40;
const u32 = (n) => Uint8Array.of((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);

/** WebCrypto's raw r‖s as the DER sequence WebAuthn signatures use. */
function derSignature(raw) {
  const int = (bytes) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let v = bytes.slice(i);
    if (v[0] & 0x80) v = concat(Uint8Array.of(0), v);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

const clientData = (type, challenge) =>
  enc.encode(JSON.stringify({ type, challenge, origin: ORIGIN, crossOrigin: false }));

export class SoftPasskey {
  credentialId = crypto.getRandomValues(new Uint8Array(16));
  counter = 0;
  userHandle = null;

  constructor(keys) {
    this.keys = keys;
  }

  static async create() {
    const usages = ['sign', 'verify'];
    const params = { name: 'ECDSA', namedCurve: 'P-256' };
    return new SoftPasskey(await crypto.subtle.generateKey(params, true, usages));
  }

  get id() {
    return b64url(this.credentialId);
  }

  /** navigator.credentials.create(options).toJSON() */
  async register(options) {
    const jwk = await crypto.subtle.exportKey('jwk', this.keys.publicKey);
    const coseKey = new Map([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, fromB64url(jwk.x)],
      [-3, fromB64url(jwk.y)],
    ]);
    const authData = concat(
      await sha256(enc.encode(options.rp?.id ?? RP_ID)),
      Uint8Array.of(FLAGS | FLAG_AT),
      u32(this.counter),
      new Uint8Array(16), // AAGUID: none
      Uint8Array.of(0, this.credentialId.length),
      this.credentialId,
      cbor(coseKey),
    );
    const attStmt = new Map();
    const attestation = new Map([
      ['fmt', 'none'],
      ['attStmt', attStmt],
      ['authData', authData],
    ]);
    this.userHandle = options.user?.id ?? null;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData('webauthn.create', options.challenge)),
        attestationObject: b64url(cbor(attestation)),
        transports: ['internal'],
      },
    };
  }

  /** navigator.credentials.get(options).toJSON(), with user verification. */
  async assert(options) {
    const authData = concat(
      await sha256(enc.encode(options.rpId ?? RP_ID)),
      Uint8Array.of(FLAGS),
      u32(++this.counter),
    );
    const data = clientData('webauthn.get', options.challenge);
    const signed = concat(authData, await sha256(data));
    const algorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const raw = new Uint8Array(await crypto.subtle.sign(algorithm, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(data),
        authenticatorData: b64url(authData),
        signature: b64url(derSignature(raw)),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    };
  }
}
