import { auditLogPage, type AuditFilter } from '../db/queries/console';
import type { AuditEvent } from '../db/schema';
import type { Cursor } from '../db/queries/keyset';
import type { Deps } from './deps';

// The console's audit export (issue 28: "streamed so that a large export never holds the whole
// log in memory"): a ReadableStream that reads one keyset page per pull, so the worker holds at
// most a page however many rows match, and the client's pace (backpressure) sets the reading.

const EXPORT_PAGE_ROWS = 500;

export type ExportFormat = 'csv' | 'jsonl';

const COLUMNS = [
  'id',
  'created_at',
  'action',
  'user_id',
  'actor_id',
  'organization_id',
  'ip',
  'user_agent',
  'request_id',
  'metadata',
] as const;

const record = (e: AuditEvent) => ({
  id: e.id,
  created_at: e.createdAt.toISOString(),
  action: e.action,
  user_id: e.userId,
  actor_id: e.actorId,
  organization_id: e.organizationId,
  ip: e.ip,
  user_agent: e.userAgent,
  request_id: e.requestId,
  metadata: e.metadata,
});

/**
 * RFC 4180 field; a leading =, +, - or @ gets a quote so a spreadsheet never runs it as a
 * formula (OWASP "CSV injection"): user agents and metadata come from requests.
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const line = (format: ExportFormat, e: AuditEvent) => {
  const r = record(e);
  return format === 'jsonl'
    ? `${JSON.stringify(r)}\n`
    : `${COLUMNS.map((c) => csvField(r[c])).join(',')}\r\n`;
};

/** The matching entries, newest first, as CSV (with a header) or JSON Lines. */
export function exportAudit(
  deps: Pick<Deps, 'db'>,
  filter: AuditFilter,
  format: ExportFormat,
  pageRows = EXPORT_PAGE_ROWS,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: Cursor | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let text = '';
        if (!started && format === 'csv') text = `${COLUMNS.join(',')}\r\n`;
        started = true;
        const rows = await auditLogPage(deps.db, filter, { limit: pageRows, after });
        for (const e of rows) text += line(format, e);
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (rows.length < pageRows || !last) controller.close();
        else after = { at: last.createdAt.getTime(), id: last.id };
      },
    },
    // One page ahead at most: the next read waits for the client.
    { highWaterMark: 1 },
  );
}
