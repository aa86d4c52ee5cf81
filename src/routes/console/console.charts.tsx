/** @jsxImportSource hono/jsx */
import type { FC } from 'hono/jsx';
import type { Point } from '../../domain/console-overview';

// Charts drawn as SVG on the server: no script, readable without JavaScript. Each chart is an
// image with a title and description for assistive technology, and the same numbers follow it
// as a table (in a <details>), so nothing is only in the picture.

const W = 640;
const H = 180;
const PAD = { left: 36, right: 8, top: 10, bottom: 24 };

export interface Series {
  name: string;
  points: Point[];
  /** CSS class of the bars (console.layout.tsx): `bar` or `bar2`. */
  tone: 'bar' | 'bar2';
}

const label = (t: number, unit: 'hour' | 'day') => {
  const iso = new Date(t).toISOString();
  return unit === 'hour' ? `${iso.slice(11, 13)}h` : iso.slice(5, 10);
};

/** Grouped bars, one group per bucket, one bar per series. */
export const BarChart: FC<{ id: string; title: string; series: Series[]; unit: 'hour' | 'day' }> = (
  p,
) => {
  const buckets = p.series[0]?.points ?? [];
  const max = Math.max(1, ...p.series.flatMap((s) => s.points.map((x) => x.n)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const groupW = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, (groupW * 0.8) / p.series.length);
  const every = Math.ceil(buckets.length / 8);
  const total = (s: Series) => s.points.reduce((a, x) => a + x.n, 0);
  const summary = p.series.map((s) => `${s.name}: ${total(s)}`).join(', ');
  return (
    <figure class="card">
      <figcaption>
        <strong>{p.title}</strong>
      </figcaption>
      {p.series.length > 1 ? (
        <ul class="legend">
          {p.series.map((s) => (
            <li>
              <span class={`swatch ${s.tone}`} aria-hidden="true"></span>
              {s.name}
            </li>
          ))}
        </ul>
      ) : null}
      <svg
        viewBox={`0 0 ${W} ${H}`}
        width="100%"
        role="img"
        aria-labelledby={`${p.id}-t ${p.id}-d`}
      >
        <title id={`${p.id}-t`}>{p.title}</title>
        <desc id={`${p.id}-d`}>{`Totals over the period: ${summary}. Peak ${max}.`}</desc>
        <line
          class="axis"
          x1={PAD.left}
          y1={H - PAD.bottom}
          x2={W - PAD.right}
          y2={H - PAD.bottom}
        />
        <text x={PAD.left - 4} y={PAD.top + 8} text-anchor="end">
          {String(max)}
        </text>
        <text x={PAD.left - 4} y={H - PAD.bottom} text-anchor="end">
          0
        </text>
        {buckets.map((b, i) => (
          <>
            {p.series.map((s, j) => {
              const n = s.points[i]?.n ?? 0;
              const h = (n / max) * plotH;
              const x = PAD.left + i * groupW + groupW * 0.1 + j * barW;
              return (
                <rect class={s.tone} x={x} y={H - PAD.bottom - h} width={barW} height={h}>
                  <title>{`${s.name}, ${label(b.t, p.unit)}: ${n}`}</title>
                </rect>
              );
            })}
            {i % every === 0 ? (
              <text x={PAD.left + i * groupW + groupW / 2} y={H - 8} text-anchor="middle">
                {label(b.t, p.unit)}
              </text>
            ) : null}
          </>
        ))}
      </svg>
      <details>
        <summary>{`${p.title}: the numbers`}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{p.unit === 'hour' ? 'Hour (UTC)' : 'Day (UTC)'}</th>
              {p.series.map((s) => (
                <th scope="col">{s.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {buckets.map((b, i) => (
              <tr>
                <td>{new Date(b.t).toISOString().slice(0, p.unit === 'hour' ? 13 : 10)}</td>
                {p.series.map((s) => (
                  <td>{String(s.points[i]?.n ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
};

/** Horizontal bars for counts by name (events by type). */
export const RankChart: FC<{ id: string; title: string; rows: { type: string; n: number }[] }> = (
  p,
) => {
  const rows = p.rows.slice(0, 12);
  const max = Math.max(1, ...rows.map((r) => r.n));
  const rowH = 20;
  const height = Math.max(1, rows.length) * rowH + 8;
  const labelW = 170;
  return (
    <figure class="card">
      <figcaption>
        <strong>{p.title}</strong>
      </figcaption>
      {rows.length === 0 ? (
        <p class="muted">No events in this period.</p>
      ) : (
        <svg viewBox={`0 0 ${W} ${height}`} width="100%" role="img" aria-labelledby={`${p.id}-t`}>
          <title id={`${p.id}-t`}>
            {`${p.title}: ${rows.map((r) => `${r.type} ${r.n}`).join(', ')}`}
          </title>
          {rows.map((r, i) => {
            const w = (r.n / max) * (W - labelW - 60);
            const y = 4 + i * rowH;
            return (
              <>
                <text x={labelW - 6} y={y + 13} text-anchor="end">
                  {r.type}
                </text>
                <rect class="bar" x={labelW} y={y + 2} width={w} height={rowH - 6} />
                <text x={labelW + w + 4} y={y + 13}>
                  {String(r.n)}
                </text>
              </>
            );
          })}
        </svg>
      )}
    </figure>
  );
};
