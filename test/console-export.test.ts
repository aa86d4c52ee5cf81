import { describe, expect, it } from 'vitest';
import { createSignedInUser, env } from './helpers';
import { createSignedInAdmin } from './helpers-admin';
import { ConsoleBrowser } from './helpers-console';

// The audit export is streamed: it reads the log a keyset page at a time as the client reads,
// never the whole log at once. 10,000 rows are seeded in one statement.

const ROWS = 10_000;

/** 10,000 audit rows of a fresh user id, a second apart, in one INSERT … SELECT. */
async function seed() {
  const userId = crypto.randomUUID();
  const start = Date.now() - 2 * ROWS * 1000;
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO audit_events (id, user_id, organization_id, actor_id, action, ip, user_agent,
       request_id, metadata, created_at)
     SELECT printf('%s-%05d', ?2, i), ?2, NULL, NULL, 'login_succeeded', '203.0.113.9',
       '=cmd|'' /C calc''!A0, "quoted"', 'req-' || i, '{"session_id":"s-' || i || '"}', ?3 + i * 1000
     FROM n`,
  )
    .bind(ROWS, userId, start)
    .run();
  return userId;
}

/** Reads a body chunk by chunk; `between` runs after the first chunk arrived. */
async function readChunks(body: ReadableStream<Uint8Array>, between: () => Promise<void>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(decoder.decode(value, { stream: true }));
    if (chunks.length === 1) await between();
  }
  return chunks;
}

describe('GET /console/audit/export', () => {
  it('streams 10,000 rows as CSV, reading the log as the client reads (a row added mid-export is in it)', async () => {
    const admin = await createSignedInAdmin();
    const userId = await seed();
    const res = await ConsoleBrowser.of(admin).fetch(
      `/console/audit/export?format=csv&user_id=${userId}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('Content-Disposition')).toMatch(
      /^attachment; filename="audit-.*\.csv"$/,
    );
    // Once the first chunk is out, the client waits, then an older entry is added: an export
    // that reads ahead of its client (buffered, or without backpressure) has read the whole log
    // by then and misses it; one that reads a page per pull reaches it on its last page.
    const chunks = await readChunks(res.body!, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await env.DB.prepare(
        `INSERT INTO audit_events (id, user_id, action, request_id, metadata, created_at)
         VALUES (?, ?, 'logout', 'late', '{}', 1000)`,
      )
        .bind(`${userId}-late`, userId)
        .run();
    });
    const text = chunks.join('');
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'id,created_at,action,user_id,actor_id,organization_id,ip,user_agent,request_id,metadata',
    );
    expect(lines).toHaveLength(ROWS + 2);
    expect(lines.at(-1)).toContain(`${userId}-late`);
    // A page at a time: many chunks, none near the whole body.
    expect(chunks.length).toBeGreaterThanOrEqual(ROWS / 500);
    expect(Math.max(...chunks.map((c) => c.length))).toBeLessThan(text.length / 10);
    // Newest first; a formula-looking field is defused, quotes doubled (RFC 4180).
    expect(lines[1]).toContain(`${userId}-10000`);
    expect(lines[1]).toContain(`"'=cmd|' /C calc'!A0, ""quoted"""`);
  });

  it('exports JSON Lines under the same filters', async () => {
    const admin = await createSignedInAdmin();
    const user = await createSignedInUser();
    const res = await ConsoleBrowser.of(admin).fetch(
      `/console/audit/export?format=jsonl&user_id=${user.id}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/jsonl');
    const records = (await res.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records.every((r) => r.user_id === user.id)).toBe(true);
    expect(records.map((r) => r.action)).toContain('registered');
  });

  it('is refused to a non-admin (403) and sends a signed-out visitor to sign in', async () => {
    const user = await createSignedInUser();
    const res = await ConsoleBrowser.of(user).fetch('/console/audit/export?format=csv');
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('login_succeeded');
    const out = await new ConsoleBrowser('').fetch('/console/audit/export?format=csv');
    expect(out.status).toBe(302);
  });
});
