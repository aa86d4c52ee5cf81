/**
 * security.md "Outbound URLs": a webhook target is https on a public address. Checked when an
 * endpoint is saved and again before every delivery (a URL saved under an older rule, or a
 * deployment moved out of development). The WHATWG URL parser has already turned decimal, hex
 * and octal IPv4 forms (`http://2130706433/`) into dotted quads, so the ranges below see them.
 * Names are not resolved here: Workers have no DNS API, and a Worker's fetch does not reach
 * private networks; a name that only ever means this machine is refused by its spelling.
 */

/** IPv4 ranges that are not the public internet (RFC 6890 special-purpose registry). */
const PRIVATE_V4: [number, number][] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local, and the cloud metadata service at 169.254.169.254
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xe0000000, 3], // multicast, reserved, broadcast
];

/** Names that mean this machine, a local network or a cloud's metadata service. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|home\.arpa)$|^metadata$|^instance-data$/i;

function v4(host: string): number | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) {
    return null;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

const inRange = (ip: number, [base, bits]: [number, number]) =>
  bits === 0 || ip >>> (32 - bits) === base >>> (32 - bits);

const privateV4 = (ip: number) => PRIVATE_V4.some((r) => inRange(ip, r));

/** The 8 groups of an IPv6 literal (the parser's canonical form: hex groups, `::` at most once). */
function v6Groups(host: string): number[] | null {
  const [head = '', tail] = host.split('::');
  const groups = (s: string) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all =
    tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
  return all.length === 8 && all.every((g) => Number.isInteger(g) && g >= 0 && g < 65536)
    ? all
    : null;
}

function privateV6(g: number[]): boolean {
  const [a = 0] = g;
  if (g.slice(0, 7).every((x) => x === 0) && (g[7] === 0 || g[7] === 1)) return true; // :: and ::1
  if ((a & 0xfe00) === 0xfc00) return true; // unique local (fd00:ec2::254: AWS metadata)
  if ((a & 0xffc0) === 0xfe80) return true; // link-local
  if ((a & 0xff00) === 0xff00) return true; // multicast
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d): the IPv4 address decides.
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = a === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (mapped || nat64) return privateV4(((g[6]! << 16) | g[7]!) >>> 0);
  return false;
}

/** Why `value` may not be a webhook target, or null when it may. */
export function webhookUrlProblem(value: string, development: boolean): string | null {
  if (!URL.canParse(value)) return 'must be an absolute URL';
  const url = new URL(value);
  if (url.protocol !== 'https:' && !(development && url.protocol === 'http:')) {
    return development ? 'must use https:// or http://' : 'must use https://';
  }
  if (url.username || url.password) return 'must not carry credentials';
  // A trailing dot names the same host (`localhost.`): the rules see the name without it.
  const host = url.hostname.toLowerCase().replace(/\.+$/, '');
  const ipv4 = v4(host);
  const ipv6 = host.startsWith('[') ? v6Groups(host.slice(1, -1)) : null;
  if (host.startsWith('[') && !ipv6) return 'is not a valid address';
  // A developer's receiver on their own machine is what development is for; nothing else local.
  const loopback =
    (ipv4 !== null && ipv4 >>> 24 === 127) || host === '[::1]' || /(^|\.)localhost$/.test(host);
  if (development && loopback) return null;
  if (ipv4 !== null && privateV4(ipv4)) return 'must be a public address';
  if (ipv6 && privateV6(ipv6)) return 'must be a public address';
  if (ipv4 === null && !ipv6 && (LOCAL_NAME.test(host) || !host.includes('.'))) {
    return 'must be a public host name';
  }
  return null;
}
