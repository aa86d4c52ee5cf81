// The paths a user takes outside the test harness, run the way they would run them: the README
// tour (scripts/tour.sh) against `npm run dev`.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startDev, type Served } from './dev-server';

describe('against npm run dev', () => {
  let dev: Served;

  beforeAll(async () => {
    dev = await startDev();
  }, 150_000);

  afterAll(async () => {
    await dev?.stop();
  });

  it('runs the README tour, scripts/tour.sh, top to bottom', () => {
    const tour = spawnSync('bash', ['scripts/tour.sh', dev.url], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(tour.status, `${tour.stdout}\n${tour.stderr}\n${dev.log().slice(-3000)}`).toBe(0);
    expect(tour.stdout).toContain('tour: every step answered as expected');
    // The emailed links pointed at this server's own port (npm run dev's origin).
    expect(tour.stdout).toMatch(/GET \/verify-email\?token=\S+ -> 200 <!doctype html>/);
  });
});
