/** @jsxImportSource hono/jsx */
import { exportAudit } from '../../domain/audit-export';
import { auditLog, AUDIT_ACTIONS, type AuditFilter } from '../../domain/console';
import { ConsoleLayout } from './console.layout';
import { nonce, render, when, type Admin, type C } from './console.shared';
import { query } from './console.users';

const DAY_MS = 86_400_000;
const ID = /^[A-Za-z0-9-]{1,64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The filters of the query string; a value that is not one is left out (never an error). */
function filtersOf(c: C) {
  const raw = {
    user_id: c.req.query('user_id') ?? '',
    actor_id: c.req.query('actor_id') ?? '',
    action: c.req.query('action') ?? '',
    from: c.req.query('from') ?? '',
    to: c.req.query('to') ?? '',
  };
  const date = (v: string) => (DATE.test(v) && !isNaN(Date.parse(v)) ? Date.parse(v) : undefined);
  const to = date(raw.to);
  const filter: AuditFilter = {
    userId: ID.test(raw.user_id) ? raw.user_id : undefined,
    actorId: ID.test(raw.actor_id) ? raw.actor_id : undefined,
    action: (AUDIT_ACTIONS as readonly string[]).includes(raw.action)
      ? (raw.action as AuditFilter['action'])
      : undefined,
    from: date(raw.from),
    // The "to" day is included: up to its end.
    to: to === undefined ? undefined : to + DAY_MS,
  };
  return { raw, filter };
}

/** GET /console/audit: the whole log, filtered, keyset pages, and the export links. */
export async function auditPage(c: C, admin: Admin) {
  const { raw, filter } = filtersOf(c);
  const page = await auditLog(c.var.deps, filter, c.req.query('cursor') || undefined);
  const params = { ...raw };
  return render(
    c,
    <ConsoleLayout title="Audit log" nonce={nonce(c)} section="audit" admin={admin.email}>
      <form class="filters" method="get" action="/console/audit">
        <div>
          <label for="user_id">User id</label>
          <input id="user_id" name="user_id" value={raw.user_id} maxlength={64} />
        </div>
        <div>
          <label for="actor_id">Actor id</label>
          <input id="actor_id" name="actor_id" value={raw.actor_id} maxlength={64} />
        </div>
        <div>
          <label for="action">Action</label>
          <select id="action" name="action">
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((a) => (
              <option value={a} selected={a === raw.action}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="from">From (UTC day)</label>
          <input id="from" name="from" type="date" value={raw.from} />
        </div>
        <div>
          <label for="to">To (UTC day)</label>
          <input id="to" name="to" type="date" value={raw.to} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <p class="actions">
        <a href={`/console/audit/export${query({ ...params, format: 'csv' })}`}>Export CSV</a>
        <a href={`/console/audit/export${query({ ...params, format: 'jsonl' })}`}>
          Export JSON Lines
        </a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">User</th>
            <th scope="col">Actor</th>
            <th scope="col">IP</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((e) => (
            <tr>
              <td>{when(e.createdAt)}</td>
              <td>{e.action}</td>
              <td class="mono">
                {e.userId ? <a href={`/console/users/${e.userId}`}>{e.userId}</a> : '—'}
              </td>
              <td class="mono">{e.actorId ?? '—'}</td>
              <td>{e.ip ?? '—'}</td>
              <td class="mono">{JSON.stringify(e.metadata)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.items.length === 0 ? <p class="muted">No entries match.</p> : null}
      {page.next_cursor ? (
        <p class="pager">
          <a href={`/console/audit${query({ ...params, cursor: page.next_cursor })}`}>Next page</a>
        </p>
      ) : null}
    </ConsoleLayout>,
  );
}

/** GET /console/audit/export?format=csv|jsonl&…filters: streamed, a page of rows at a time. */
export function auditExport(c: C) {
  const format = c.req.query('format') === 'jsonl' ? 'jsonl' : 'csv';
  const { filter } = filtersOf(c);
  const day = new Date(c.var.deps.now()).toISOString().slice(0, 10);
  return c.body(exportAudit(c.var.deps, filter, format), 200, {
    'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl',
    'Content-Disposition': `attachment; filename="audit-${day}.${format}"`,
    'Cache-Control': 'no-store',
  });
}
