/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import { userDetail } from '../../domain/console';
import { ConsoleLayout } from './console.layout';
import { ActionForm, nonce, render, when, type Admin, type C } from './console.shared';

type Detail = Awaited<ReturnType<typeof userDetail>>;

/** What a finished change says (?done=…): fixed words, never text from the request. */
export const DONE = {
  revoked: 'The session was ended.',
  suspended: 'The account is suspended and every session ended.',
  reactivated: 'The account is active again.',
  factors_reset: 'Second factors were reset and every session ended.',
} as const;

const Sessions: FC<{ d: Detail; admin: Admin }> = ({ d, admin }) => (
  <table>
    <thead>
      <tr>
        <th scope="col">Started</th>
        <th scope="col">Last used</th>
        <th scope="col">Device</th>
        <th scope="col">Impersonated by</th>
        <th scope="col">Action</th>
      </tr>
    </thead>
    <tbody>
      {d.sessions.map((s) => (
        <tr>
          <td>{when(s.createdAt)}</td>
          <td>{when(s.lastUsedAt)}</td>
          <td>{[s.ip, s.country, s.userAgent].filter(Boolean).join(' · ') || '—'}</td>
          <td class="mono">{s.actor ?? '—'}</td>
          <td>
            {admin.rights.manageUsers ? (
              <ActionForm
                action={`/console/users/${d.user.id}/sessions/${s.id}/revoke`}
                csrf={admin.csrf}
                label="Revoke"
                danger
              />
            ) : null}
          </td>
        </tr>
      ))}
    </tbody>
  </table>
);

const Actions: FC<{ d: Detail; admin: Admin }> = ({ d, admin }) => {
  if (!admin.rights.manageUsers) return null;
  const base = `/console/users/${d.user.id}`;
  const suspended = d.user.status === 'suspended';
  return (
    <div class="actions">
      {suspended ? (
        <ActionForm action={`${base}/reactivate`} csrf={admin.csrf} label="Reactivate" />
      ) : (
        <ActionForm action={`${base}/suspend`} csrf={admin.csrf} label="Suspend" danger />
      )}
      {suspended ? null : (
        <ActionForm action={`${base}/impersonate`} csrf={admin.csrf} label="Impersonate" />
      )}
    </div>
  );
};

const Profile: FC<{ d: Detail }> = ({ d }) => {
  const name = [d.profile.firstName, d.profile.lastName].filter(Boolean).join(' ');
  return (
    <table>
      <tbody>
        <tr>
          <th scope="row">User id</th>
          <td class="mono">{d.user.id}</td>
        </tr>
        <tr>
          <th scope="row">Status</th>
          <td>{d.user.status}</td>
        </tr>
        <tr>
          <th scope="row">Name</th>
          <td>{name || '—'}</td>
        </tr>
        <tr>
          <th scope="row">Email verified</th>
          <td>{when(d.user.emailVerifiedAt)}</td>
        </tr>
        <tr>
          <th scope="row">Created</th>
          <td>{when(d.user.createdAt)}</td>
        </tr>
        <tr>
          <th scope="row">Roles</th>
          <td>{d.grants.roles.join(', ') || '—'}</td>
        </tr>
      </tbody>
    </table>
  );
};

const Factors: FC<{ d: Detail; admin: Admin }> = ({ d, admin }) => (
  <>
    {d.factors.length === 0 ? <p class="muted">No second factor.</p> : null}
    <ul>
      {d.factors.map((f) => (
        <li>
          {`${f.type}${f.destination ? ` (${f.destination})` : ''} · `}
          {f.confirmedAt ? `active since ${when(f.confirmedAt)}` : 'not confirmed'}
        </li>
      ))}
    </ul>
    {d.factors.length > 0 && admin.rights.manageUsers ? (
      <ActionForm
        action={`/console/users/${d.user.id}/factors/reset`}
        csrf={admin.csrf}
        label="Reset second factors"
        danger
      />
    ) : null}
  </>
);

const Audit: FC<{ d: Detail }> = ({ d }) => (
  <table>
    <thead>
      <tr>
        <th scope="col">When</th>
        <th scope="col">Action</th>
        <th scope="col">Actor</th>
        <th scope="col">IP</th>
      </tr>
    </thead>
    <tbody>
      {d.audit.map((e) => (
        <tr>
          <td>{when(e.createdAt)}</td>
          <td>{e.action}</td>
          <td class="mono">{e.actorId ?? '—'}</td>
          <td>{e.ip ?? '—'}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/** GET /console/users/:id */
export async function userDetailPage(c: C, admin: Admin) {
  const d = await userDetail(c.var.deps, c.req.param('id') ?? '');
  const done = c.req.query('done');
  const notice = done && Object.hasOwn(DONE, done) ? DONE[done as keyof typeof DONE] : null;
  return render(
    c,
    <ConsoleLayout title={d.user.email} nonce={nonce(c)} section="users" admin={admin.email}>
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <Actions d={d} admin={admin} />
      <h2>Profile</h2>
      <Profile d={d} />
      <h2>{`Sessions (${d.sessions.length})`}</h2>
      <Sessions d={d} admin={admin} />
      <h2>Second factors</h2>
      <Factors d={d} admin={admin} />
      <h2>Passkeys</h2>
      {d.passkeys.length === 0 ? <p class="muted">No passkeys.</p> : null}
      <ul>
        {d.passkeys.map((k) => (
          <li>{`${k.name} · added ${when(k.createdAt)} · last used ${when(k.lastUsedAt)}`}</li>
        ))}
      </ul>
      <h2>Audit trail</h2>
      <Audit d={d} />
      <p>
        <a href={`/console/audit?user_id=${encodeURIComponent(d.user.id)}`}>The full trail</a>
      </p>
    </ConsoleLayout>,
  );
}
