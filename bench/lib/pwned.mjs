// A stand-in for Have I Been Pwned's range API (GET /range/{5 hex}) on loopback, for the bench's
// `--breached-passwords` runs: it answers every prefix after a fixed delay (5 ms by default, a
// nearby API's answer) with a padded answer of a real one's size, so the worker's check does
// what it does in production (fetch, read ~900 lines, compare each) without leaving the machine.
import { createServer } from 'node:http';

const LINES = 900;

/** One answer body: LINES suffixes, some with counts, the rest padding (count 0), CRLF. */
function rangeBody() {
  const hex = '0123456789ABCDEF';
  const lines = [];
  for (let i = 0; i < LINES; i++) {
    let suffix = '';
    for (let j = 0; j < 35; j++) suffix += hex[Math.floor(Math.random() * 16)];
    lines.push(`${suffix}:${i % 3 === 0 ? 0 : 1 + Math.floor(Math.random() * 5000)}`);
  }
  return lines.sort().join('\r\n');
}

/** Starts the fake on 127.0.0.1; `url` is the base the worker appends a prefix to. */
export async function startFakeRange({ delayMs = 5 } = {}) {
  const body = rangeBody();
  let calls = 0;
  const server = createServer((req, res) => {
    if (!/^\/range\/[0-9A-F]{5}$/.test(req.url ?? '')) {
      res.writeHead(404).end();
      return;
    }
    calls++;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    }, delayMs);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/range/`,
    delayMs,
    calls: () => calls,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
