/*
 * The look of `<qr-login-code>`, inside its shadow root. Pages theme it with
 * the CSS custom properties below (set on the element or any ancestor) and
 * restyle any piece through `::part(...)`.
 *
 * | property | default | what it colours or sizes |
 * |---|---|---|
 * | `--qr-login-size` | `256px` | width and height of the QR image |
 * | `--qr-login-color` | `inherit` | text |
 * | `--qr-login-muted-color` | `#57606a` | labels, countdown, notices |
 * | `--qr-login-background` | `transparent` | behind the whole element |
 * | `--qr-login-padding` | `0` | around the whole element |
 * | `--qr-login-code-background` | `#fff` | behind the QR modules (keep it light: cameras need contrast) |
 * | `--qr-login-border` | `1px solid #c8d1da` | around the QR image |
 * | `--qr-login-radius` | `8px` | corners of the image, overlays and button |
 * | `--qr-login-dimmed-opacity` | `0.12` | the image once it cannot be scanned (scanned, expired, …) |
 * | `--qr-login-overlay-background` | `rgba(255, 255, 255, 0.94)` | the panel over the image (who scanned, refresh) |
 * | `--qr-login-overlay-color` | `#1f2328` | text on that panel |
 * | `--qr-login-accent` | `#2451c7` | the refresh button |
 * | `--qr-login-accent-text` | `#fff` | text of the refresh button |
 * | `--qr-login-focus-color` | `--qr-login-accent` | keyboard focus ring |
 * | `--qr-login-success-color` | `#1a7f37` | the status once signed in |
 * | `--qr-login-danger-color` | `#b42318` | the status when cancelled, expired or failed |
 * | `--qr-login-font` | `inherit` | font shorthand of the element |
 * | `--qr-login-mono-font` | `ui-monospace, …` | font family of the short code |
 *
 * Parts: `frame`, `stage`, `image`, `scanner`, `scanner-photo`,
 * `scanner-name`, `overlay`, `refresh-button`, `match`, `user-code`,
 * `status`, `countdown`, `notice`.
 */
/** @internal */
export const QR_LOGIN_CODE_CSS = `
:host {
  display: inline-block;
  color: var(--qr-login-color, inherit);
  font: var(--qr-login-font, inherit);
  text-align: center;
}
:host([hidden]), [hidden] { display: none !important; }
.frame {
  display: flex;
  flex-direction: column;
  align-items: center;
  gap: 0.5rem;
  padding: var(--qr-login-padding, 0);
  background: var(--qr-login-background, transparent);
  border-radius: var(--qr-login-radius, 8px);
}
.stage { position: relative; width: var(--qr-login-size, 256px); height: var(--qr-login-size, 256px); }
.qr-login-image {
  display: block;
  box-sizing: border-box;
  width: 100%;
  height: 100%;
  padding: 8px;
  background: var(--qr-login-code-background, #fff);
  border: var(--qr-login-border, 1px solid #c8d1da);
  border-radius: var(--qr-login-radius, 8px);
  transition: opacity 0.2s;
}
.qr-login-image:not([src]) { visibility: hidden; }
.frame:not([data-state="pending"]) .qr-login-image { opacity: var(--qr-login-dimmed-opacity, 0.12); }
.qr-login-scanner, .qr-login-overlay {
  position: absolute;
  inset: 0;
  display: flex;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  gap: 0.5rem;
  box-sizing: border-box;
  padding: 1rem;
  background: var(--qr-login-overlay-background, rgba(255, 255, 255, 0.94));
  color: var(--qr-login-overlay-color, #1f2328);
  border-radius: var(--qr-login-radius, 8px);
  font-weight: 600;
}
.qr-login-scanner-photo { width: 72px; height: 72px; border-radius: 50%; object-fit: cover; }
.qr-login-refresh {
  font: inherit;
  font-weight: 600;
  min-height: 2.75rem;
  padding: 0.5rem 1.1rem;
  border: 1px solid var(--qr-login-accent, #2451c7);
  border-radius: var(--qr-login-radius, 8px);
  background: var(--qr-login-accent, #2451c7);
  color: var(--qr-login-accent-text, #fff);
  cursor: pointer;
}
.qr-login-refresh:focus-visible {
  outline: 3px solid var(--qr-login-focus-color, var(--qr-login-accent, #2451c7));
  outline-offset: 2px;
}
.qr-login-match, .qr-login-user-code, .qr-login-countdown, .qr-login-notice {
  margin: 0;
  color: var(--qr-login-muted-color, #57606a);
}
.qr-login-value { display: block; color: var(--qr-login-color, inherit); }
.qr-login-match .qr-login-value { font-size: 2rem; font-weight: 700; letter-spacing: 0.1em; }
.qr-login-user-code .qr-login-value {
  font-family: var(--qr-login-mono-font, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
  font-size: 1.5rem;
  font-weight: 700;
  letter-spacing: 0.12em;
}
.qr-login-status { margin: 0; min-height: 1.5em; font-weight: 600; }
.qr-login-status:focus { outline: none; }
.qr-login-status[data-tone="success"] { color: var(--qr-login-success-color, #1a7f37); }
.qr-login-status[data-tone="danger"] { color: var(--qr-login-danger-color, #b42318); }
.qr-login-countdown, .qr-login-notice { min-height: 1.4em; font-size: 0.9rem; }
`;
