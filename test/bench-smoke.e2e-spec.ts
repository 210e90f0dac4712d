import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

/**
 * The benchmark's smoke run (`npm run bench -- --quick`), so the suite cannot
 * rot: every row is produced, on both adapters and every store. It asserts
 * nothing about speed; only the correctness figures (no subscription or
 * memory-store entry left behind) must hold.
 */
describe('benchmark smoke run', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'qr-login-bench-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('produces every figure on both adapters and every store', () => {
    const json = join(scratch, 'quick.json');
    execFileSync('npm', ['run', 'bench', '--', '--quick', `--json=${json}`], {
      cwd: root,
      stdio: 'pipe',
      timeout: 280_000,
    });
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.quick).toBe(true);
    const rows: Array<{
      section: string;
      adapter?: string;
      store?: string;
      figure: string;
      value: number;
      met?: boolean;
    }> = report.rows;
    for (const adapter of ['express', 'fastify']) {
      for (const store of ['memory', 'redis', 'postgres']) {
        const mine = rows.filter((r) => r.adapter === adapter && r.store === store);
        const sections = new Set(mine.map((r) => r.section));
        // Redis reports its round trips per action; the live-code scaling run is the memory store's alone.
        const extra = store === 'redis' ? ['Redis round trips'] : store === 'memory' ? ['live codes'] : [];
        expect([...sections].sort(), `${adapter}/${store}`).toEqual(
          [
            'QR image',
            'SSE idle streams',
            'confirm → event',
            'create',
            'leak check',
            'status poll',
            'whole login',
            ...extra,
          ].sort(),
        );
        expect(mine.some((r) => r.figure.includes('vs bare node:http'))).toBe(true);
        if (store !== 'memory') expect(mine.some((r) => r.figure.includes('across two instances'))).toBe(true);
        expect(mine.find((r) => r.figure === 'subscriptions left after closing')?.value).toBe(0);
      }
    }
    expect(rows.find((r) => r.figure === 'entries + timers left in the memory store')?.value).toBe(0);
    for (const row of rows) expect(Number.isFinite(row.value), `${row.section} ${row.figure}`).toBe(true);
  }, 300_000);
});
