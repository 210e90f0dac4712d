/*
 * The status line of `<qr-login-code>`: what it says, in which language,
 * and the `data-status` / `data-tone` a page styles it by.
 */
import type { QrLoginCodeMessages } from './qr-login-code.i18n.mjs';

/** What the status line says now, kept as a key so a language change can re-render it. @internal */
export type StatusText =
  | {
      key:
        | 'creating'
        | 'pending'
        | 'rotated'
        | 'redeeming'
        | 'authorized'
        | 'cancelled'
        | 'matchFailed'
        | 'expiredRefreshing'
        | 'expired';
    }
  | { key: 'scanned'; name?: string; match?: string }
  | { key: 'error'; code: string };

const TONES: Partial<Record<StatusText['key'], 'success' | 'danger'>> = {
  authorized: 'success',
  cancelled: 'danger',
  matchFailed: 'danger',
  expired: 'danger',
  error: 'danger',
};

/** `data-status` of the status line for each text: the server's status names, plus CREATING. */
const STATUS_OF: Record<Exclude<StatusText['key'], 'scanned' | 'error'>, string> = {
  creating: 'CREATING',
  pending: 'PENDING',
  rotated: 'PENDING',
  redeeming: 'AUTHORIZED',
  authorized: 'AUTHORIZED',
  cancelled: 'CANCELLED',
  matchFailed: 'CANCELLED',
  expiredRefreshing: 'EXPIRED',
  expired: 'EXPIRED',
};

/** The line for `text` in `texts`, with the status and tone (`success`, `danger`, or none) it carries. @internal */
export function statusLine(
  text: StatusText,
  texts: QrLoginCodeMessages,
): { line: string; status: string; tone?: 'success' | 'danger' } {
  const tone = TONES[text.key];
  switch (text.key) {
    case 'scanned': {
      const name = text.name || texts.someone;
      return { line: text.match ? texts.scannedMatch(name, text.match) : texts.scanned(name), status: 'SCANNED' };
    }
    case 'error':
      return { line: texts.errors[text.code] ?? texts.errors.default, status: 'ERROR', tone };
    default:
      return { line: texts[text.key], status: STATUS_OF[text.key], ...(tone ? { tone } : {}) };
  }
}

/** Renders `text` into the status line `element`. @internal */
export function renderStatusLine(element: HTMLElement, text: StatusText, texts: QrLoginCodeMessages): void {
  const { line, status, tone } = statusLine(text, texts);
  element.textContent = line;
  element.dataset.status = status;
  if (text.key === 'error') element.dataset.errorCode = text.code;
  else delete element.dataset.errorCode;
  if (tone) element.dataset.tone = tone;
  else delete element.dataset.tone;
}
