/*
 * Auto-refresh: an expired code is replaced by a new one by itself, a few
 * times in a row. A page nobody uses stops asking for codes; a tab nobody
 * looks at gets its new code when it is looked at again.
 */
import type { QrLoginOptions } from './qr-login.types.mjs';

const DEFAULT_AUTO_REFRESH_MAX = 5;

/** How many expired codes in a row are replaced, and the replacement waiting for the tab to show. @internal */
export class QrLoginAutoRefresh {
  private readonly max: number;
  /** Codes replaced since the page was last used. */
  private count = 0;
  private waitingForVisibility: (() => void) | undefined;

  constructor(option: QrLoginOptions['autoRefresh']) {
    const auto = option ?? true;
    this.max = auto === false ? 0 : auto === true ? DEFAULT_AUTO_REFRESH_MAX : (auto.max ?? DEFAULT_AUTO_REFRESH_MAX);
  }

  /** Whether the code that just expired is replaced by itself. */
  get willRefresh(): boolean {
    return this.count < this.max;
  }

  /** The page is in use (a scan, a `refresh()`): expiries count from zero again. */
  reset(): void {
    this.count = 0;
  }

  /** Counts one replacement and runs `create` now, or once the tab is visible again. */
  replace(create: () => void): void {
    this.count++;
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') {
      const onVisible = () => {
        if (document.visibilityState === 'hidden') return;
        this.cancel();
        create();
      };
      this.waitingForVisibility = onVisible;
      document.addEventListener('visibilitychange', onVisible);
      return;
    }
    create();
  }

  /** Drops a replacement still waiting for the tab to show. */
  cancel(): void {
    if (!this.waitingForVisibility) return;
    document.removeEventListener('visibilitychange', this.waitingForVisibility);
    this.waitingForVisibility = undefined;
  }
}
