// npm run keys:rotate — the next value of the JWT_SIGNING_KEYS secret (no one is logged out).
//
//   npm run keys:rotate                          local: reads .dev.vars, writes the new set back
//   npm run keys:rotate -- --from current.json   production: prints the new value to stdout
//   npm run keys:rotate -- --status [--from F]   the state of each key, nothing changes
//   npm run keys:rotate -- --prune [--from F]    once the new key signs: drops the private part
//                                                of keys that no longer sign (public JWK kept)
//   npm run keys:rotate -- --rsa --from rs.json  the same for JWT_RSA_SIGNING_KEYS (RS256, the
//                                                identity provider's ID tokens)
// Locally both sets rotate (JWT_RSA_SIGNING_KEYS is created when .dev.vars has none).
// Options: --lead SECONDS (how long the new key is published before it signs; at least 600),
//          --token-ttl SECONDS (ACCESS_TOKEN_TTL_SECONDS; default: wrangler.toml's).
// Cloudflare never reads a secret back, so production keeps the current value in a file or a
// password manager; `--from` accepts a JWT_SIGNING_KEYS list or a single JWT_PRIVATE_KEY JWK.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  keyStates,
  newSigningKey,
  parseKeys,
  privateButRetired,
  prune,
  rotate,
} from './signing-key-rotation.mjs';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    status: { type: 'boolean', default: false },
    prune: { type: 'boolean', default: false },
    rsa: { type: 'boolean', default: false },
    lead: { type: 'string' },
    'token-ttl': { type: 'string' },
  },
});

const toml = readFileSync(new URL('../wrangler.toml', import.meta.url), 'utf8');
const tokenTtlSeconds = Number(
  values['token-ttl'] ?? /ACCESS_TOKEN_TTL_SECONDS\s*=\s*"(\d+)"/.exec(toml)?.[1] ?? 900,
);
const devVars = new URL('../.dev.vars', import.meta.url);

/** A `NAME='value'` line of .dev.vars (the format scripts/dev-vars.mjs writes). */
const devVar = (text, name) => new RegExp(`^${name}\\s*=\\s*'?(.*?)'?\\s*$`, 'm').exec(text)?.[1];

function currentValue() {
  if (values.from) return readFileSync(values.from, 'utf8');
  if (!existsSync(devVars)) throw new Error('no .dev.vars: run npm run keys first, or pass --from');
  const text = readFileSync(devVars, 'utf8');
  if (values.rsa) return devVar(text, 'JWT_RSA_SIGNING_KEYS') ?? '[]';
  const value = devVar(text, 'JWT_SIGNING_KEYS') ?? devVar(text, 'JWT_PRIVATE_KEY');
  if (!value) throw new Error('.dev.vars has no JWT_SIGNING_KEYS or JWT_PRIVATE_KEY');
  return value;
}

/** Locally the RS256 set (ID tokens) rotates with the EdDSA one, or is created. */
async function rotateLocalRsa(now, leadSeconds) {
  const text = readFileSync(devVars, 'utf8');
  const current = devVar(text, 'JWT_RSA_SIGNING_KEYS');
  const next = current
    ? values.prune
      ? prune(parseKeys(current), { now, tokenTtlSeconds })
      : await rotate(parseKeys(current), { now, tokenTtlSeconds, leadSeconds, alg: 'RS256' })
    : [await newSigningKey(now - 1000, undefined, 'RS256')];
  const kept = text
    .split('\n')
    .filter((line) => !/^\s*JWT_RSA_SIGNING_KEYS\s*=/.test(line))
    .join('\n')
    .replace(/\n*$/, '\n');
  writeFileSync(devVars, `${kept}JWT_RSA_SIGNING_KEYS='${JSON.stringify(next)}'\n`, {
    mode: 0o600,
  });
  console.log(`.dev.vars: JWT_RSA_SIGNING_KEYS now holds ${next.map((k) => k.kid).join(', ')}`);
}

try {
  const now = Date.now();
  const raw = currentValue();
  // An empty RS256 set (--rsa, locally, before the first rotation) is made by rotateLocalRsa.
  const keys = raw === '[]' ? [] : parseKeys(raw);
  if (values.status) {
    for (const { key, state, until } of keyStates(keys, { now, tokenTtlSeconds })) {
      const when = state === 'next' ? ` signs from ${key.active_from}` : '';
      const end = until ? ` published until ${new Date(until).toISOString()}` : '';
      console.log(`${key.kid}: ${state}${when}${end}`);
    }
    const stale = privateButRetired(keys, { now, tokenTtlSeconds });
    if (stale.length) {
      console.log(`${stale.join(', ')} no longer sign but hold a private key: run --prune`);
    }
    process.exit(0);
  }
  const leadSeconds = values.lead === undefined ? undefined : Number(values.lead);
  if (!values.from && values.rsa) throw new Error('locally both sets rotate: drop --rsa');
  const next = values.prune
    ? prune(keys, { now, tokenTtlSeconds })
    : await rotate(keys, {
        now,
        tokenTtlSeconds,
        leadSeconds,
        alg: values.rsa ? 'RS256' : 'EdDSA',
      });
  const value = JSON.stringify(next);
  const name = values.rsa ? 'JWT_RSA_SIGNING_KEYS' : 'JWT_SIGNING_KEYS';
  if (values.from) {
    process.stdout.write(`${value}\n`);
    console.error(
      values.prune
        ? `Keys that no longer sign are public only now. Store it: npx wrangler secret put ${name}  (paste the line above).`
        : `new key ${next.at(-1).kid} is published at once and signs from ${next.at(-1).active_from}.\n` +
            `Store it: npx wrangler secret put ${name}  (paste the line above), and keep it for the next rotation.\n` +
            'Once it signs, run npm run keys:rotate -- --prune to drop the old private key.',
    );
  } else {
    // The worker refuses both names at once: the set replaces the single key.
    const text = readFileSync(devVars, 'utf8')
      .split('\n')
      .filter(
        (line) => !/^\s*(JWT_SIGNING_KEYS|JWT_PRIVATE_KEY|JWT_PREVIOUS_PUBLIC_KEYS)\s*=/.test(line),
      )
      .join('\n')
      .replace(/\n*$/, '\n');
    writeFileSync(devVars, `${text}JWT_SIGNING_KEYS='${value}'\n`, { mode: 0o600 });
    console.log(`.dev.vars: JWT_SIGNING_KEYS now holds ${next.map((k) => k.kid).join(', ')}`);
    await rotateLocalRsa(now, leadSeconds);
    if (!values.prune) {
      console.log(`${next.at(-1).kid} signs from ${next.at(-1).active_from}; restart npm run dev.`);
    }
  }
} catch (err) {
  console.error(`keys:rotate: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
