/** @jsxImportSource hono/jsx */
import { overview } from '../../domain/console-overview';
import { BarChart, RankChart } from './console.charts';
import { ConsoleLayout } from './console.layout';
import { nonce, render, type Admin, type C } from './console.shared';

/** GET /console: the figures and charts of the analytics rollups. */
export async function overviewPage(c: C, admin: Admin) {
  const o = await overview(c.var.deps);
  return render(
    c,
    <ConsoleLayout title="Overview" nonce={nonce(c)} section="overview" admin={admin.email}>
      <ul class="figures">
        <li class="card">
          <span class="figure">{String(o.users.total)}</span> accounts
        </li>
        <li class="card">
          <span class="figure">{String(o.users.suspended)}</span> suspended
        </li>
        <li class="card">
          <span class="figure">{String(o.activeSessions)}</span> active sessions (24 h)
        </li>
      </ul>
      <div class="grid">
        <BarChart
          id="signins"
          title="Sign-ins per hour (last 24 h)"
          unit="hour"
          series={[
            { name: 'Sign-ins', points: o.signIns, tone: 'bar' },
            { name: 'Failed sign-ins', points: o.failedSignIns, tone: 'bar2' },
          ]}
        />
        <BarChart
          id="signups"
          title="Sign-ups per day (last 30 days)"
          unit="day"
          series={[{ name: 'Sign-ups', points: o.signUps, tone: 'bar' }]}
        />
        <RankChart id="types" title="Events by type (last 7 days)" rows={o.eventsByType} />
      </div>
    </ConsoleLayout>,
  );
}
