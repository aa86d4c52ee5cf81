/** @jsxImportSource hono/jsx */
import { organizationDetail, organizations } from '../../domain/console';
import { ConsoleLayout } from './console.layout';
import { nonce, render, when, type Admin, type C } from './console.shared';

/** GET /console/organizations?cursor= */
export async function organizationsPage(c: C, admin: Admin) {
  const page = await organizations(c.var.deps, c.req.query('cursor') || undefined);
  return render(
    c,
    <ConsoleLayout
      title="Organizations"
      nonce={nonce(c)}
      section="organizations"
      admin={admin.email}
    >
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Slug</th>
            <th scope="col">Tier</th>
            <th scope="col">Members</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((o) => (
            <tr>
              <td>
                <a href={`/console/organizations/${o.id}`}>{o.name}</a>
              </td>
              <td>{o.slug}</td>
              <td>{o.tier}</td>
              <td>{String(o.members)}</td>
              <td>{when(o.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.items.length === 0 ? <p class="muted">No organizations yet.</p> : null}
      {page.next_cursor ? (
        <p class="pager">
          <a href={`/console/organizations?cursor=${encodeURIComponent(page.next_cursor)}`}>
            Next page
          </a>
        </p>
      ) : null}
    </ConsoleLayout>,
  );
}

/** GET /console/organizations/:id: members and invitations. */
export async function organizationPage(c: C, admin: Admin) {
  const d = await organizationDetail(c.var.deps, c.req.param('id') ?? '');
  return render(
    c,
    <ConsoleLayout title={d.org.name} nonce={nonce(c)} section="organizations" admin={admin.email}>
      <p class="muted">{`${d.org.slug} · ${d.org.tier} · created ${when(d.org.createdAt)}`}</p>
      <h2>{`Members (${d.members.length})`}</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Joined</th>
          </tr>
        </thead>
        <tbody>
          {d.members.map((m) => (
            <tr>
              <td>
                <a href={`/console/users/${m.userId}`}>{m.email}</a>
              </td>
              <td>{m.role}</td>
              <td>{when(m.joinedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{`Invitations (${d.invitations.length})`}</h2>
      {d.invitations.length === 0 ? <p class="muted">No invitations.</p> : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Sent</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {d.invitations.map((i) => (
            <tr>
              <td>{i.email}</td>
              <td>{i.role}</td>
              <td>{i.status}</td>
              <td>{when(i.createdAt)}</td>
              <td>{when(i.expiresAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </ConsoleLayout>,
  );
}
