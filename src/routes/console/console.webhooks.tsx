/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import { consoleEndpoint, consoleEndpoints } from '../../domain/webhooks/console';
import type { WebhookEndpoint } from '../../domain/webhooks/endpoints';
import { ConsoleLayout } from './console.layout';
import { ActionForm, nonce, render, when, type Admin, type C } from './console.shared';

/** What a finished change says (?done=…): fixed words, never text from the request. */
export const WEBHOOK_DONE = {
  test_sent: 'A webhook.test event is on its way.',
  replayed: 'The delivery is queued to be sent again.',
  disabled: 'The endpoint is disabled: nothing is sent to it.',
  enabled: 'The endpoint is enabled again.',
  deleted: 'The endpoint and its deliveries were deleted.',
} as const;

const Notice: FC<{ c: C }> = ({ c }) => {
  const done = c.req.query('done');
  if (!done || !Object.hasOwn(WEBHOOK_DONE, done)) return null;
  return (
    <p class="notice" role="status">
      {WEBHOOK_DONE[done as keyof typeof WEBHOOK_DONE]}
    </p>
  );
};

const health = (e: WebhookEndpoint) =>
  e.disabled ? 'Disabled' : e.failingSince ? `Failing since ${when(e.failingSince)}` : 'Enabled';

const Owner: FC<{ e: WebhookEndpoint; name: string | null }> = ({ e, name }) =>
  e.organizationId ? (
    <a href={`/console/organizations/${e.organizationId}`}>{name ?? e.organizationId}</a>
  ) : (
    <>Deployment</>
  );

type Row = { endpoint: WebhookEndpoint; organizationName: string | null };

/** The endpoints table, on the webhooks page and an organization's page. */
export const EndpointTable: FC<{ rows: Row[]; owner?: boolean }> = ({ rows, owner = true }) => (
  <>
    <table>
      <thead>
        <tr>
          <th scope="col">URL</th>
          {owner ? <th scope="col">Owner</th> : null}
          <th scope="col">Event types</th>
          <th scope="col">Status</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ endpoint: e, organizationName }) => (
          <tr>
            <td class="mono">
              <a href={`/console/webhooks/${e.id}`}>{e.url}</a>
            </td>
            {owner ? (
              <td>
                <Owner e={e} name={organizationName} />
              </td>
            ) : null}
            <td>{e.eventTypes.join(', ')}</td>
            <td>{health(e)}</td>
            <td>{when(e.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
    {rows.length === 0 ? <p class="muted">No webhook endpoints.</p> : null}
  </>
);

/** GET /console/webhooks?cursor= : the deployment's and every organization's endpoints. */
export async function webhooksPage(c: C, admin: Admin) {
  const page = await consoleEndpoints(c.var.deps, c.req.query('cursor') || undefined);
  return render(
    c,
    <ConsoleLayout title="Webhooks" nonce={nonce(c)} section="webhooks" admin={admin.email}>
      <Notice c={c} />
      <EndpointTable rows={page.items} />
      {page.next_cursor ? (
        <p class="pager">
          <a href={`/console/webhooks?cursor=${encodeURIComponent(page.next_cursor)}`}>Next page</a>
        </p>
      ) : null}
    </ConsoleLayout>,
  );
}

type Detail = Awaited<ReturnType<typeof consoleEndpoint>>;

const Deliveries: FC<{ d: Detail; admin: Admin }> = ({ d, admin }) => (
  <>
    <table>
      <thead>
        <tr>
          <th scope="col">Created</th>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last status code</th>
          <th scope="col">Next attempt</th>
          <th scope="col">Action</th>
        </tr>
      </thead>
      <tbody>
        {d.deliveries.map((x) => (
          <tr>
            <td>{when(x.createdAt)}</td>
            <td>{x.eventType}</td>
            <td>{x.status}</td>
            <td>{String(x.attempts)}</td>
            <td>{x.lastStatusCode === null ? '—' : String(x.lastStatusCode)}</td>
            <td>{when(x.nextAttemptAt)}</td>
            <td>
              {admin.rights.manageWebhooks ? (
                <ActionForm
                  action={`/console/webhooks/${d.endpoint.id}/deliveries/${x.id}/replay`}
                  csrf={admin.csrf}
                  label="Replay"
                />
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {d.deliveries.length === 0 ? <p class="muted">No deliveries yet.</p> : null}
  </>
);

const Actions: FC<{ e: WebhookEndpoint; admin: Admin }> = ({ e, admin }) => {
  if (!admin.rights.manageWebhooks) return null;
  const base = `/console/webhooks/${e.id}`;
  return (
    <div class="actions">
      <ActionForm action={`${base}/test`} csrf={admin.csrf} label="Send test event" />
      {e.disabled ? (
        <ActionForm action={`${base}/enable`} csrf={admin.csrf} label="Enable" />
      ) : (
        <ActionForm action={`${base}/disable`} csrf={admin.csrf} label="Disable" danger />
      )}
      <ActionForm action={`${base}/delete`} csrf={admin.csrf} label="Delete endpoint" danger />
    </div>
  );
};

/** GET /console/webhooks/:id : the endpoint and its latest deliveries. */
export async function webhookPage(c: C, admin: Admin) {
  const d = await consoleEndpoint(c.var.deps, c.req.param('id') ?? '');
  const e = d.endpoint;
  return render(
    c,
    <ConsoleLayout title="Webhook endpoint" nonce={nonce(c)} section="webhooks" admin={admin.email}>
      <Notice c={c} />
      <Actions e={e} admin={admin} />
      <table>
        <tbody>
          <tr>
            <th scope="row">URL</th>
            <td class="mono">{e.url}</td>
          </tr>
          <tr>
            <th scope="row">Endpoint id</th>
            <td class="mono">{e.id}</td>
          </tr>
          <tr>
            <th scope="row">Owner</th>
            <td>
              <Owner e={e} name={null} />
            </td>
          </tr>
          <tr>
            <th scope="row">Description</th>
            <td>{e.description || '—'}</td>
          </tr>
          <tr>
            <th scope="row">Event types</th>
            <td>{e.eventTypes.join(', ')}</td>
          </tr>
          <tr>
            <th scope="row">Status</th>
            <td>{health(e)}</td>
          </tr>
          <tr>
            <th scope="row">Created</th>
            <td>{when(e.createdAt)}</td>
          </tr>
        </tbody>
      </table>
      <h2>{`Recent deliveries (${d.deliveries.length})`}</h2>
      <Deliveries d={d} admin={admin} />
    </ConsoleLayout>,
  );
}
