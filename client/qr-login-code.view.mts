/*
 * What `<qr-login-code>` shows, inside its shadow root: the code, the number
 * to pick, the short code to type, who scanned, the refresh overlay, the
 * status line (a polite live region), the countdown and the retry notice.
 * The element decides when; this file knows the nodes, their parts and
 * their ARIA roles.
 */
import type { QrLoginBriefUserInfo, QrLoginCode, QrLoginState, QrLoginStatusView } from './qr-login.types.mjs';
import { QrLoginCountdown } from './qr-login-code.countdown.mjs';
import type { QrLoginCodeLanguage, QrLoginCodeMessages } from './qr-login-code.i18n.mjs';
import { renderStatusLine, type StatusText } from './qr-login-code.status.mjs';
import { QR_LOGIN_CODE_CSS } from './qr-login-code.styles.mjs';

let sharedSheet: CSSStyleSheet | undefined;

/** What the view needs of its element. @internal */
export interface QrLoginCodeHost {
  readonly host: HTMLElement;
  readonly root: ShadowRoot;
  /** The texts in the element's language now, overrides applied. */
  texts(): QrLoginCodeMessages;
  language(): QrLoginCodeLanguage;
  /** The refresh button was pressed. */
  onRefresh(): void;
}

/** The nodes of the element's shadow root and what is on them. @internal */
export class QrLoginCodeView {
  private readonly frame: HTMLElement;
  private readonly image: HTMLImageElement;
  private readonly scanner: HTMLElement;
  private readonly scannerPhoto: HTMLImageElement;
  private readonly scannerName: HTMLElement;
  private readonly overlay: HTMLElement;
  private readonly refresh: HTMLButtonElement;
  private readonly match: { line: HTMLElement; label: HTMLElement; value: HTMLElement };
  private readonly userCode: { line: HTMLElement; label: HTMLElement; value: HTMLElement };
  private readonly status: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly countdown: QrLoginCountdown;
  private statusText: StatusText = { key: 'creating' };
  private noticeOn = false;

  constructor(private readonly owner: QrLoginCodeHost) {
    const doc = owner.host.ownerDocument;
    const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, part?: string) => {
      const element = doc.createElement(tag);
      element.className = className;
      if (part) element.setAttribute('part', part);
      return element;
    };
    this.frame = el('div', 'frame', 'frame');
    const stage = el('div', 'stage', 'stage');
    this.image = el('img', 'qr-login-image', 'image');
    this.scanner = el('div', 'qr-login-scanner', 'scanner');
    this.scannerPhoto = el('img', 'qr-login-scanner-photo', 'scanner-photo');
    this.scannerPhoto.alt = '';
    this.scannerName = el('span', 'qr-login-scanner-name', 'scanner-name');
    this.scanner.append(this.scannerPhoto, this.scannerName);
    this.overlay = el('div', 'qr-login-overlay', 'overlay');
    this.refresh = el('button', 'qr-login-refresh', 'refresh-button');
    this.refresh.type = 'button';
    this.overlay.append(this.refresh);
    stage.append(this.image, this.scanner, this.overlay);
    const line = (className: string, part: string, valueTag: 'strong' | 'code') => {
      const parts = {
        line: el('p', className, part),
        label: el('span', 'qr-login-label'),
        value: el(valueTag, 'qr-login-value'),
      };
      parts.line.append(parts.label, ' ', parts.value);
      return parts;
    };
    this.match = line('qr-login-match', 'match', 'strong');
    // Two classes: `qr-login-short-code` is what pages styled before user codes had their name.
    this.userCode = line('qr-login-user-code qr-login-short-code', 'user-code', 'code');
    this.status = el('p', 'qr-login-status', 'status');
    this.status.setAttribute('role', 'status');
    this.status.setAttribute('aria-live', 'polite');
    // Focusable by script only: where the keyboard focus goes when the refresh button disappears.
    this.status.tabIndex = -1;
    // A timer is not announced each second (its implicit aria-live is off).
    const countdown = el('p', 'qr-login-countdown', 'countdown');
    countdown.setAttribute('role', 'timer');
    this.countdown = new QrLoginCountdown(countdown, (time) => owner.texts().countdown(time));
    this.notice = el('p', 'qr-login-notice', 'notice');
    this.notice.setAttribute('aria-live', 'polite');
    this.frame.append(stage, this.match.line, this.userCode.line, this.status, countdown, this.notice);
    for (const hidden of [this.scanner, this.overlay, this.match.line, this.userCode.line]) hidden.hidden = true;
    this.adoptStyles();
    owner.root.append(this.frame);
    this.refresh.addEventListener('click', () => {
      // The button hides itself; keep the keyboard user's place on the news instead of the page's top.
      this.status.focus();
      owner.onRefresh();
    });
    // Not setState: a constructor must leave the element's own attributes alone.
    this.frame.dataset.state = 'creating';
    this.renderTexts();
  }

  /** A new code on screen: the first, each new one, each rotation. */
  showCode(code: QrLoginCode): void {
    this.hideOverlays();
    this.image.src = code.url;
    this.image.dataset.qrcodeId = code.qrcodeId;
    this.match.value.textContent = code.matchCode ?? '';
    this.match.line.hidden = !code.matchCode;
    const typed = code.userCode ?? code.shortCode;
    this.userCode.value.textContent = typed ?? '';
    this.userCode.line.hidden = !typed;
    this.setNotice(false);
    this.setStatus({ key: code.rotatedFrom ? 'rotated' : 'pending' });
    this.setState('pending');
    this.countdown.start(code.expiresAt);
  }

  /** News from the server: the connection works again; a confirmed code is being redeemed. */
  showNews(view: QrLoginStatusView): void {
    this.setNotice(false);
    if (view.status === 'AUTHORIZED') {
      this.countdown.stop();
      this.userCode.line.hidden = true;
      this.setState('redeeming');
      this.setStatus({ key: 'redeeming' });
    } else if (view.status === 'PENDING' && this.statusText.key === 'creating') {
      this.setStatus({ key: 'pending' });
    }
  }

  /** Who scanned, over the dimmed code; `match` is the number to pick on the phone. */
  showScanner(user: QrLoginBriefUserInfo | undefined, match: string | undefined): void {
    this.scannerName.textContent = user?.displayName || this.owner.texts().someone;
    if (user && typeof user.photo === 'string') {
      this.scannerPhoto.src = user.photo;
      this.scannerPhoto.hidden = false;
    } else {
      this.scannerPhoto.removeAttribute('src');
      this.scannerPhoto.hidden = true;
    }
    this.scanner.hidden = false;
    this.userCode.line.hidden = true;
    this.setState('scanned');
    this.setStatus({ key: 'scanned', name: user?.displayName, match });
  }

  showAuthorized(): void {
    this.setState('authorized');
    this.setStatus({ key: 'authorized' });
  }

  /** The code expired and a new one follows by itself. */
  showRefreshing(): void {
    this.countdown.stop();
    this.scanner.hidden = true;
    this.setStatus({ key: 'expiredRefreshing' });
  }

  /** The end of a code: only a new one goes on from here, through the refresh button. */
  offerRefresh(text: StatusText, state: QrLoginState): void {
    this.countdown.stop();
    this.scanner.hidden = true;
    this.match.line.hidden = true;
    this.userCode.line.hidden = true;
    this.overlay.hidden = false;
    this.setState(state);
    this.setStatus(text);
  }

  /** A new code is on its way; `clear` also hides the old code's lines (a new login). */
  showCreating(clear: boolean): void {
    this.hideOverlays();
    if (clear) {
      this.match.line.hidden = true;
      this.userCode.line.hidden = true;
      this.countdown.stop();
    }
    this.setStatus({ key: 'creating' });
    this.setState('creating');
  }

  /** The login ended: no countdown, `stopped` state. */
  showStopped(): void {
    this.countdown.stop();
    this.setState('stopped');
  }

  /** The notice that a passing failure is being retried, on or off. */
  setNotice(on: boolean): void {
    this.noticeOn = on;
    this.notice.textContent = on ? this.owner.texts().retrying : '';
  }

  /** Every text in the current language: on start, and again when the language or the overrides change. */
  renderTexts(): void {
    const texts = this.owner.texts();
    this.image.alt = texts.image;
    this.refresh.textContent = texts.refresh;
    this.match.label.textContent = texts.matchCode;
    this.userCode.label.textContent = texts.userCode;
    this.frame.lang = this.owner.language();
    renderStatusLine(this.status, this.statusText, texts);
    this.countdown.render();
    this.setNotice(this.noticeOn);
  }

  private hideOverlays(): void {
    this.scanner.hidden = true;
    this.overlay.hidden = true;
  }

  private setState(state: QrLoginState): void {
    this.frame.dataset.state = state;
    // Reflected on the element too, for the page's own CSS (`qr-login-code[data-state="scanned"]`).
    if (this.owner.host.isConnected) this.owner.host.dataset.state = state;
  }

  private setStatus(text: StatusText): void {
    this.statusText = text;
    renderStatusLine(this.status, text, this.owner.texts());
  }

  private adoptStyles(): void {
    const root = this.owner.root;
    if (
      'adoptedStyleSheets' in root &&
      typeof CSSStyleSheet === 'function' &&
      'replaceSync' in CSSStyleSheet.prototype
    ) {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(QR_LOGIN_CODE_CSS);
      }
      root.adoptedStyleSheets = [sharedSheet];
      return;
    }
    // Older browsers: a <style> element, which a strict CSP refuses unless it allows the styles' hash.
    const style = this.owner.host.ownerDocument.createElement('style');
    style.textContent = QR_LOGIN_CODE_CSS;
    root.append(style);
  }
}
