/** @jsxImportSource hono/jsx */
import { findUsers } from '../../domain/console';
import { ConsoleLayout } from './console.layout';
import { nonce, render, when, type Admin, type C } from './console.shared';

/** The query string of a link, without empty values. */
export const query = (params: Record<string, string | null | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
};

/** GET /console/users?q=&cursor=: search by email (matched literally), keyset pages. */
export async function usersPage(c: C, admin: Admin) {
  const search = (c.req.query('q') ?? '').slice(0, 320);
  const cursor = c.req.query('cursor') || undefined;
  const page = await findUsers(c.var.deps, search, cursor);
  return render(
    c,
    <ConsoleLayout title="Users" nonce={nonce(c)} section="users" admin={admin.email}>
      <form class="filters" method="get" action="/console/users" role="search">
        <div>
          <label for="q">Email contains</label>
          <input id="q" name="q" type="search" value={search} maxlength={320} />
        </div>
        <button type="submit">Search</button>
      </form>
      {search ? (
        <p class="muted" role="status">
          {`Accounts whose email contains “${search}”`}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Status</th>
            <th scope="col">Email verified</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((u) => (
            <tr>
              <td>
                <a href={`/console/users/${u.id}`}>{u.email}</a>
              </td>
              <td>{u.status}</td>
              <td>{u.emailVerifiedAt ? 'yes' : 'no'}</td>
              <td>{when(u.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.items.length === 0 ? <p class="muted">No accounts match.</p> : null}
      {page.next_cursor ? (
        <p class="pager">
          <a href={`/console/users${query({ q: search, cursor: page.next_cursor })}`}>Next page</a>
        </p>
      ) : null}
    </ConsoleLayout>,
  );
}
