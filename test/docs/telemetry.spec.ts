import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QR_LOGIN_ATTRIBUTES, QR_LOGIN_METRICS, QR_LOGIN_SPANS } from '../../lib/telemetry';

/*
 * docs/telemetry.md against the instruments: every instrument is in the
 * metrics table, every span and attribute in theirs, and the Grafana dashboard is valid JSON whose queries name
 * only series the Prometheus exporter writes for them.
 */

const page = readFileSync(join(__dirname, '..', '..', 'docs', 'telemetry.md'), 'utf8');
const instruments = Object.values(QR_LOGIN_METRICS);

/** The Prometheus series of an instrument: dots to underscores; counters gain `_total`, histograms their parts. */
function seriesOf(name: string): string[] {
  const base = name.replace(/\./g, '_');
  if (/\.duration$/.test(name)) return [`${base}_bucket`, `${base}_sum`, `${base}_count`];
  if (name === QR_LOGIN_METRICS.streamsOpen || name === QR_LOGIN_METRICS.codesLive) return [base];
  return [`${base}_total`];
}

describe('docs/telemetry.md', () => {
  it('lists every instrument in its metrics table', () => {
    for (const name of instruments) expect(page, name).toContain(`| \`${name}\` |`);
  });

  it('lists every span and every attribute in their tables', () => {
    const { storePrefix, ...spans } = QR_LOGIN_SPANS;
    expect(Object.keys(spans).length).toBeGreaterThanOrEqual(7);
    for (const name of Object.values(spans)) expect(page, name).toContain(`| \`${name}\` |`);
    expect(page).toContain(`| \`${storePrefix}<method>\` |`);
    for (const name of Object.values(QR_LOGIN_ATTRIBUTES)) expect(page, name).toContain(`| \`${name}\` |`);
  });

  it('gives a Grafana dashboard in valid JSON whose queries use only series the exporter writes', () => {
    const block = /```json\n([\s\S]*?)\n```/.exec(page);
    expect(block).not.toBeNull();
    const dashboard = JSON.parse(block![1]) as { panels: { title: string; targets: { expr: string }[] }[] };
    const known = new Set(instruments.flatMap(seriesOf));
    const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(3);
    const labels = new Set(Object.values(QR_LOGIN_ATTRIBUTES).map((name) => name.replace(/\./g, '_')));
    const used = exprs.flatMap((expr) => expr.match(/\bqr_login_\w+/g) ?? []).filter((name) => !labels.has(name));
    expect(used.length).toBeGreaterThanOrEqual(exprs.length);
    expect(used.filter((series) => !known.has(series))).toEqual([]);
    const titles = dashboard.panels.map((panel) => panel.title).join(' | ');
    expect(titles).toMatch(/Logins per minute/);
    expect(titles).toMatch(/Approval time p95/);
    expect(titles).toMatch(/Refusals per minute by code/);
  });

  it('gives the PromQL for logins per minute, approval time p95 and refusals by code', () => {
    const promql = /```promql\n([\s\S]*?)\n```/.exec(page)?.[1] ?? '';
    expect(promql).toContain('qr_login_transitions_total{qr_login_transition="redeemed"}');
    expect(promql).toContain('histogram_quantile(0.95, sum by (le) (rate(qr_login_approval_duration_bucket[5m])))');
    expect(promql).toContain('sum by (error_type) (rate(qr_login_refusals_total[5m]))');
  });
});
