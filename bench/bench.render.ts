import { newQrCodeId } from '../lib/kernel/qr-login.ids';
import { renderQrDataUrl } from '../lib/kernel/qr-login.image';

/*
 * The QR image as create makes it: a data URL of a fresh id (the default
 * payload). Timed on the process's CPU clock, not the wall clock, so a run on
 * a busy machine reports what a render costs rather than how long the
 * process waited for a core. Ids are made before the clock starts.
 * Also runnable alone (`npm run build:bench && node dist/bench/bench/bench.render.js [count]`).
 */

/** CPU time per render in µs, after 50 untimed renders to warm the code up. */
export async function measureRender(format: 'svg' | 'png', count: number): Promise<number> {
  const ids = Array.from({ length: count + 50 }, () => newQrCodeId(Date.now() + 300_000));
  for (const id of ids.slice(0, 50)) await renderQrDataUrl(id, format);
  const before = process.cpuUsage();
  for (const id of ids.slice(50)) await renderQrDataUrl(id, format);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? 2_000);
  void (async () => {
    for (const format of ['svg', 'png'] as const) {
      console.log(
        `${format.toUpperCase()} render per code (CPU): ${(await measureRender(format, count)).toFixed(1)} µs`,
      );
    }
  })();
}
