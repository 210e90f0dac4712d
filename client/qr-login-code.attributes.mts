/*
 * What a page tells `<qr-login-code>` in HTML. The attributes are read when
 * a login starts; changing one starts a new login, but `lang`, which only
 * changes the texts:
 *
 * - `base-url`: origin (and path) of the Nest app; default this page's.
 * - `route-prefix`: the module's `routePrefix`; default `qr-login`.
 * - `lang`: `en` or `zh-CN` (any `zh-*`); default the nearest `lang` above, then English. Changes apply at once.
 * - `transport`: `auto` (default), `sse` or `poll`.
 * - `poll-interval`: milliseconds between status reads when polling; default 1500.
 * - `auto-refresh`: how many expired codes in a row are replaced by themselves; `0` never; default 5.
 * - `auto-redeem`: `false` to redeem the ticket yourself from `qr-login-authorized`.
 */
import type { QrLoginOptions } from './qr-login.types.mjs';

/** The attributes the element observes. @internal */
export const QR_LOGIN_CODE_ATTRIBUTES = [
  'lang',
  'base-url',
  'route-prefix',
  'transport',
  'poll-interval',
  'auto-refresh',
  'auto-redeem',
] as const;

/**
 * The options of `startQrLogin` that `element`'s attributes set now; a value it cannot read falls back to the default.
 * @internal
 */
export function loginOptionsOf(element: Element): QrLoginOptions {
  const transport = element.getAttribute('transport');
  const options: QrLoginOptions = {
    baseUrl: element.getAttribute('base-url') ?? '',
    routePrefix: element.getAttribute('route-prefix') ?? 'qr-login',
    transport: transport === 'sse' || transport === 'poll' ? transport : 'auto',
    autoRedeem: element.getAttribute('auto-redeem') !== 'false',
  };
  const pollInterval = Number(element.getAttribute('poll-interval'));
  if (pollInterval > 0) options.pollInterval = pollInterval;
  const autoRefresh = element.getAttribute('auto-refresh');
  if (autoRefresh !== null) {
    const max = autoRefresh === 'false' ? 0 : Number(autoRefresh);
    options.autoRefresh = Number.isFinite(max) && max > 0 ? { max } : false;
  }
  return options;
}
