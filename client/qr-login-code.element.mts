/*
 * `<qr-login-code>`: the web page's whole QR login as one element. It runs
 * `startQrLogin` and renders the code, the short code to type, who scanned,
 * the time left, rotations, expiry with a refresh button and failures, in
 * English or Simplified Chinese, and tells the page through DOM events.
 *
 * No framework: a custom element with an open shadow root, styled through
 * a constructed stylesheet (allowed under a `style-src 'self'` CSP).
 */
import {
  QR_LOGIN_CODE_MESSAGES,
  qrLoginCodeLanguageOf,
  type QrLoginCodeLanguage,
  type QrLoginCodeMessages,
} from './qr-login-code.i18n.mjs';
import { QR_LOGIN_CODE_CSS } from './qr-login-code.styles.mjs';
import {
  startQrLogin,
  type QrLoginBriefUserInfo,
  type QrLoginCode,
  type QrLoginError,
  type QrLoginHandle,
  type QrLoginOptions,
  type QrLoginState,
  type QrLoginStatusView,
  type QrLoginTransport,
} from './qr-login-client.mjs';

/** The tag `defineQrLoginElement()` registers by default. */
export const QR_LOGIN_CODE_TAG = 'qr-login-code';

/**
 * The events the element dispatches (bubbling, and `composed`, so they leave
 * any shadow root the element sits in), with their `detail`.
 */
export interface QrLoginCodeEventMap {
  /** A code is on screen: the first, each new one, each rotation. */
  'qr-login-code': CustomEvent<QrLoginCode>;
  /** Each status change of the current code. */
  'qr-login-status': CustomEvent<QrLoginStatusView>;
  /** Someone scanned; `user` is who, as the server lets this page see. */
  'qr-login-scanned': CustomEvent<{ user: QrLoginBriefUserInfo | undefined; view: QrLoginStatusView }>;
  /** Confirmed and redeemed: `result` is the answer of `POST /<prefix>/login` (undefined with `auto-redeem="false"`). */
  'qr-login-authorized': CustomEvent<{ result: unknown; ticket: string }>;
  /** Cancelled on the phone; `reason` is set when not by the user (`MATCH_FAILED`). */
  'qr-login-cancelled': CustomEvent<{ reason: string | undefined }>;
  /** The code expired; `willRefresh` tells whether a new one follows by itself. */
  'qr-login-expired': CustomEvent<{ willRefresh: boolean }>;
  /** A failure; `fatal` ones stopped the login until the refresh button (or `refresh()`). */
  'qr-login-error': CustomEvent<QrLoginError>;
  /** How status changes arrive now. */
  'qr-login-transport': CustomEvent<{ transport: QrLoginTransport }>;
}

/** What the status line says now, kept as a key so a language change can re-render it. */
type StatusText =
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

// Loadable where there is no DOM (server-side rendering, Node tests): the class exists, defining it needs a browser.
const ElementBase: typeof HTMLElement =
  typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

let sharedSheet: CSSStyleSheet | undefined;

/** Properties a page may set before the element is defined; they are re-applied through the setters on upgrade. */
const UPGRADED_PROPERTIES = ['customData', 'context', 'messages', 'fetch'] as const;

/**
 * `<qr-login-code>`. Attributes (read when the login starts; changing one
 * starts a new login):
 *
 * - `base-url`: origin (and path) of the Nest app; default this page's.
 * - `route-prefix`: the module's `routePrefix`; default `qr-login`.
 * - `lang`: `en` or `zh-CN` (any `zh-*`); default the nearest `lang` above, then English. Changes apply at once.
 * - `transport`: `auto` (default), `sse` or `poll`.
 * - `poll-interval`: milliseconds between status reads when polling; default 1500.
 * - `auto-refresh`: how many expired codes in a row are replaced by themselves; `0` never; default 5.
 * - `auto-redeem`: `false` to redeem the ticket yourself from `qr-login-authorized`.
 *
 * Properties: `customData` and `context` (sent with each new code), `messages`
 * (texts to override), `fetch`; read-only `state`, `current`, `transport`.
 * Methods: `refresh()`, `stop()`, `start()`.
 */
export class QrLoginCodeElement extends ElementBase {
  static readonly observedAttributes = [
    'lang',
    'base-url',
    'route-prefix',
    'transport',
    'poll-interval',
    'auto-refresh',
    'auto-redeem',
  ];

  private readonly root: ShadowRoot;
  private readonly ui: {
    frame: HTMLElement;
    image: HTMLImageElement;
    scanner: HTMLElement;
    scannerPhoto: HTMLImageElement;
    scannerName: HTMLElement;
    overlay: HTMLElement;
    refresh: HTMLButtonElement;
    match: HTMLElement;
    matchLabel: HTMLElement;
    matchValue: HTMLElement;
    userCode: HTMLElement;
    userCodeLabel: HTMLElement;
    userCodeValue: HTMLElement;
    status: HTMLElement;
    countdown: HTMLElement;
    notice: HTMLElement;
  };
  private login: QrLoginHandle | undefined;
  private startQueued = false;
  private statusText: StatusText = { key: 'creating' };
  private noticeOn = false;
  private expiresAt: number | undefined;
  private countdownTimer: ReturnType<typeof setInterval> | undefined;
  private htmlLangObserver: MutationObserver | undefined;
  private customDataValue: Record<string, unknown> | undefined;
  private contextValue: Record<string, unknown> | undefined;
  private messageOverrides: Partial<QrLoginCodeMessages> | undefined;
  private fetchValue: typeof fetch | undefined;

  constructor() {
    super();
    this.root = this.attachShadow({ mode: 'open' });
    const doc = this.ownerDocument;
    const el = <K extends keyof HTMLElementTagNameMap>(
      tag: K,
      className: string,
      part?: string,
    ): HTMLElementTagNameMap[K] => {
      const element = doc.createElement(tag);
      element.className = className;
      if (part) element.setAttribute('part', part);
      return element;
    };
    const frame = el('div', 'frame', 'frame');
    const stage = el('div', 'stage', 'stage');
    const image = el('img', 'qr-login-image', 'image');
    const scanner = el('div', 'qr-login-scanner', 'scanner');
    const scannerPhoto = el('img', 'qr-login-scanner-photo', 'scanner-photo');
    scannerPhoto.alt = '';
    const scannerName = el('span', 'qr-login-scanner-name', 'scanner-name');
    scanner.append(scannerPhoto, scannerName);
    const overlay = el('div', 'qr-login-overlay', 'overlay');
    const refresh = el('button', 'qr-login-refresh', 'refresh-button');
    refresh.type = 'button';
    overlay.append(refresh);
    stage.append(image, scanner, overlay);
    const line = (className: string, part: string, valueTag: 'strong' | 'code') => {
      const element = el('p', className, part);
      const label = el('span', 'qr-login-label');
      const value = el(valueTag, 'qr-login-value');
      element.append(label, ' ', value);
      return [element, label, value] as const;
    };
    const [match, matchLabel, matchValue] = line('qr-login-match', 'match', 'strong');
    // Two classes: `qr-login-short-code` is what pages styled before user codes had their name.
    const [userCode, userCodeLabel, userCodeValue] = line(
      'qr-login-user-code qr-login-short-code',
      'user-code',
      'code',
    );
    const status = el('p', 'qr-login-status', 'status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    // Focusable by script only: where the keyboard focus goes when the refresh button disappears.
    status.tabIndex = -1;
    // A timer is not announced each second (its implicit aria-live is off).
    const countdown = el('p', 'qr-login-countdown', 'countdown');
    countdown.setAttribute('role', 'timer');
    const notice = el('p', 'qr-login-notice', 'notice');
    notice.setAttribute('aria-live', 'polite');
    frame.append(stage, match, userCode, status, countdown, notice);
    for (const hidden of [scanner, overlay, match, userCode]) hidden.hidden = true;
    this.ui = {
      frame,
      image,
      scanner,
      scannerPhoto,
      scannerName,
      overlay,
      refresh,
      match,
      matchLabel,
      matchValue,
      userCode,
      userCodeLabel,
      userCodeValue,
      status,
      countdown,
      notice,
    };
    this.adoptStyles();
    this.root.append(frame);
    refresh.addEventListener('click', () => {
      // The button hides itself; keep the keyboard user's place on the news instead of the page's top.
      this.ui.status.focus();
      void this.refresh();
    });
    // Not setState: a constructor must leave the element's own attributes alone.
    frame.dataset.state = 'creating';
    this.renderTexts();
  }

  /** Sent with each new code; handed to the server's hooks on authorization. Takes effect with the next code. */
  get customData(): Record<string, unknown> | undefined {
    return this.customDataValue;
  }
  set customData(value: Record<string, unknown> | undefined) {
    this.customDataValue = value;
  }

  /** Sent with each new code; handed to the server's hooks on authorization. Takes effect with the next code. */
  get context(): Record<string, unknown> | undefined {
    return this.contextValue;
  }
  set context(value: Record<string, unknown> | undefined) {
    this.contextValue = value;
  }

  /** Texts replacing the language's built-in ones (any subset). */
  get messages(): Partial<QrLoginCodeMessages> | undefined {
    return this.messageOverrides;
  }
  set messages(value: Partial<QrLoginCodeMessages> | undefined) {
    this.messageOverrides = value;
    this.renderTexts();
  }

  /** Replacement for the global `fetch` (tests, polyfills); takes effect with the next login. */
  get fetch(): typeof fetch | undefined {
    return this.fetchValue;
  }
  set fetch(value: typeof fetch | undefined) {
    this.fetchValue = value;
  }

  /** Where the login stands (`creating`, `pending`, `scanned`, … `stopped`). */
  get state(): QrLoginState {
    return this.login?.state ?? 'stopped';
  }

  /** The code on screen, if any. */
  get current(): QrLoginCode | undefined {
    return this.login?.current;
  }

  /** How status changes arrive now; undefined when nothing is followed. */
  get transport(): QrLoginTransport | undefined {
    return this.login?.transport;
  }

  /** The language the texts are in now. */
  get language(): QrLoginCodeLanguage {
    const tagged = this.closest('[lang]')?.getAttribute('lang');
    return qrLoginCodeLanguageOf(tagged || this.ownerDocument.documentElement.lang);
  }

  connectedCallback(): void {
    for (const name of UPGRADED_PROPERTIES) {
      if (Object.prototype.hasOwnProperty.call(this, name)) {
        const value = (this as Record<string, unknown>)[name];
        delete (this as Record<string, unknown>)[name];
        (this as Record<string, unknown>)[name] = value;
      }
    }
    // `<html lang>` may be switched by the page's language picker.
    this.htmlLangObserver ??= new MutationObserver(() => this.renderTexts());
    this.htmlLangObserver.observe(this.ownerDocument.documentElement, { attributes: true, attributeFilter: ['lang'] });
    this.renderTexts();
    if (!this.login) this.queueStart();
  }

  disconnectedCallback(): void {
    this.htmlLangObserver?.disconnect();
    // Moving the element in the page disconnects and reconnects it at once: only a real removal ends the login.
    queueMicrotask(() => {
      if (!this.isConnected) this.stop();
    });
  }

  attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
    if (oldValue === newValue) return;
    if (name === 'lang') return this.renderTexts();
    // Where the login goes or how it runs changed: start over with the new settings.
    if (this.login) {
      this.stop();
      this.queueStart();
    }
  }

  /** Starts a login if none runs (the element does so by itself when it enters the page). */
  start(): void {
    if (this.login && this.login.state !== 'stopped') return;
    this.startQueued = false;
    const autoRefreshAttr = this.getAttribute('auto-refresh');
    const pollInterval = Number(this.getAttribute('poll-interval'));
    const transport = this.getAttribute('transport');
    const options: QrLoginOptions = {
      baseUrl: this.getAttribute('base-url') ?? '',
      routePrefix: this.getAttribute('route-prefix') ?? 'qr-login',
      transport: transport === 'sse' || transport === 'poll' ? transport : 'auto',
      autoRedeem: this.getAttribute('auto-redeem') !== 'false',
      customData: this.customDataValue,
      context: this.contextValue,
      onCode: (code) => this.onCode(code),
      onStatus: (view) => this.onStatus(view),
      onScanned: (user, view) => this.onScanned(user, view),
      onAuthorized: (result, ticket) => {
        this.setState('authorized');
        this.setStatus({ key: 'authorized' });
        this.emit('qr-login-authorized', { result, ticket });
      },
      onCancelled: (reason) => {
        this.offerRefresh({ key: reason === 'MATCH_FAILED' ? 'matchFailed' : 'cancelled' });
        this.emit('qr-login-cancelled', { reason });
      },
      onExpired: ({ willRefresh }) => {
        if (willRefresh) {
          this.stopCountdown();
          this.ui.scanner.hidden = true;
          this.setStatus({ key: 'expiredRefreshing' });
        } else {
          this.offerRefresh({ key: 'expired' });
        }
        this.emit('qr-login-expired', { willRefresh });
      },
      onError: (error) => {
        if (error.fatal) this.offerRefresh({ key: 'error', code: error.code });
        else this.setNotice(true);
        this.emit('qr-login-error', error);
      },
      onTransport: (current) => this.emit('qr-login-transport', { transport: current }),
    };
    if (pollInterval > 0) options.pollInterval = pollInterval;
    if (autoRefreshAttr !== null) {
      const max = autoRefreshAttr === 'false' ? 0 : Number(autoRefreshAttr);
      options.autoRefresh = Number.isFinite(max) && max > 0 ? { max } : false;
    }
    if (this.fetchValue) options.fetch = this.fetchValue;
    this.hideCode();
    this.setStatus({ key: 'creating' });
    this.setState('creating');
    this.login = startQrLogin(options);
  }

  /** Drops the current code and shows a new one (what the refresh button does). */
  refresh(): Promise<void> {
    if (!this.login || this.login.state === 'stopped') {
      this.start();
      return Promise.resolve();
    }
    this.hideOverlays();
    this.setStatus({ key: 'creating' });
    this.setState('creating');
    return this.login.refresh();
  }

  /** Ends the login: closes the stream, clears timers; `start()` or `refresh()` begins again. */
  stop(): void {
    this.startQueued = false;
    this.login?.stop();
    this.login = undefined;
    this.stopCountdown();
    this.setState('stopped');
  }

  private queueStart(): void {
    if (this.startQueued) return;
    this.startQueued = true;
    // After the current task, so a page can set customData, context or fetch right after creating the element.
    queueMicrotask(() => {
      if (this.startQueued && this.isConnected) this.start();
    });
  }

  private onCode(code: QrLoginCode): void {
    const { image, match, matchValue, userCode, userCodeValue } = this.ui;
    this.hideOverlays();
    image.src = code.url;
    image.dataset.qrcodeId = code.qrcodeId;
    matchValue.textContent = code.matchCode ?? '';
    match.hidden = !code.matchCode;
    const typed = code.userCode ?? code.shortCode;
    userCodeValue.textContent = typed ?? '';
    userCode.hidden = !typed;
    this.setNotice(false);
    this.setStatus({ key: code.rotatedFrom ? 'rotated' : 'pending' });
    this.setState('pending');
    this.startCountdown(code.expiresAt);
    this.emit('qr-login-code', code);
  }

  private onStatus(view: QrLoginStatusView): void {
    // Any news from the server means the connection works again.
    this.setNotice(false);
    if (view.status === 'AUTHORIZED') {
      this.stopCountdown();
      this.ui.userCode.hidden = true;
      this.setState('redeeming');
      this.setStatus({ key: 'redeeming' });
    } else if (view.status === 'PENDING' && this.statusText.key === 'creating') {
      this.setStatus({ key: 'pending' });
    }
    this.emit('qr-login-status', view);
  }

  private onScanned(user: QrLoginBriefUserInfo | undefined, view: QrLoginStatusView): void {
    const { scanner, scannerName, scannerPhoto, userCode } = this.ui;
    scannerName.textContent = user?.displayName || this.texts().someone;
    if (user && typeof user.photo === 'string') {
      scannerPhoto.src = user.photo;
      scannerPhoto.hidden = false;
    } else {
      scannerPhoto.removeAttribute('src');
      scannerPhoto.hidden = true;
    }
    scanner.hidden = false;
    userCode.hidden = true;
    this.setState('scanned');
    this.setStatus({ key: 'scanned', name: user?.displayName, match: this.login?.current?.matchCode });
    this.emit('qr-login-scanned', { user, view });
  }

  /** The end of a code: only a new one goes on from here. */
  private offerRefresh(text: StatusText): void {
    this.stopCountdown();
    this.ui.scanner.hidden = true;
    this.ui.match.hidden = true;
    this.ui.userCode.hidden = true;
    this.ui.overlay.hidden = false;
    this.setState(this.login?.state ?? 'failed');
    this.setStatus(text);
  }

  private hideOverlays(): void {
    this.ui.scanner.hidden = true;
    this.ui.overlay.hidden = true;
  }

  private hideCode(): void {
    this.hideOverlays();
    this.ui.match.hidden = true;
    this.ui.userCode.hidden = true;
    this.stopCountdown();
  }

  private setState(state: QrLoginState): void {
    this.ui.frame.dataset.state = state;
    // Reflected on the element too, for the page's own CSS (`qr-login-code[data-state="scanned"]`).
    if (this.isConnected) this.dataset.state = state;
  }

  private setStatus(text: StatusText): void {
    this.statusText = text;
    this.renderStatus();
  }

  private setNotice(on: boolean): void {
    this.noticeOn = on;
    this.ui.notice.textContent = on ? this.texts().retrying : '';
  }

  private startCountdown(expiresAt: number): void {
    this.stopCountdown();
    this.expiresAt = expiresAt;
    this.renderCountdown();
    this.countdownTimer = setInterval(() => this.renderCountdown(), 1000);
  }

  private stopCountdown(): void {
    clearInterval(this.countdownTimer);
    this.countdownTimer = undefined;
    this.expiresAt = undefined;
    this.ui.countdown.textContent = '';
  }

  private renderCountdown(): void {
    if (this.expiresAt === undefined) return;
    const left = Math.max(0, Math.round((this.expiresAt - Date.now()) / 1000));
    const time = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    this.ui.countdown.textContent = this.texts().countdown(time);
  }

  private texts(): QrLoginCodeMessages {
    const base = QR_LOGIN_CODE_MESSAGES[this.language];
    const overrides = this.messageOverrides;
    if (!overrides) return base;
    return { ...base, ...overrides, errors: { ...base.errors, ...overrides.errors } };
  }

  /** Every text in the current language: on start, and again when the language or the overrides change. */
  private renderTexts(): void {
    const texts = this.texts();
    this.ui.image.alt = texts.image;
    this.ui.refresh.textContent = texts.refresh;
    this.ui.matchLabel.textContent = texts.matchCode;
    this.ui.userCodeLabel.textContent = texts.userCode;
    this.ui.frame.lang = this.language;
    this.renderStatus();
    this.renderCountdown();
    this.setNotice(this.noticeOn);
  }

  private renderStatus(): void {
    const texts = this.texts();
    const text = this.statusText;
    let line: string;
    let status: string;
    switch (text.key) {
      case 'scanned':
        line = text.match
          ? texts.scannedMatch(text.name || texts.someone, text.match)
          : texts.scanned(text.name || texts.someone);
        status = 'SCANNED';
        break;
      case 'error':
        line = texts.errors[text.code] ?? texts.errors.default;
        status = 'ERROR';
        break;
      default:
        line = texts[text.key];
        status = STATUS_OF[text.key];
    }
    const element = this.ui.status;
    element.textContent = line;
    element.dataset.status = status;
    if (text.key === 'error') element.dataset.errorCode = text.code;
    else delete element.dataset.errorCode;
    const tone = TONES[text.key];
    if (tone) element.dataset.tone = tone;
    else delete element.dataset.tone;
  }

  private emit<K extends keyof QrLoginCodeEventMap>(type: K, detail: QrLoginCodeEventMap[K]['detail']): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  private adoptStyles(): void {
    const root = this.root;
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
    const style = this.ownerDocument.createElement('style');
    style.textContent = QR_LOGIN_CODE_CSS;
    root.append(style);
  }
}

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

/**
 * Registers `<qr-login-code>` (or `tagName`), once: calling it again is a
 * no-op. Throws when the name is taken by another element, with the way out.
 */
export function defineQrLoginElement(tagName: string = QR_LOGIN_CODE_TAG): typeof QrLoginCodeElement {
  if (typeof customElements === 'undefined') {
    throw new Error(
      'defineQrLoginElement() needs a browser (customElements is missing here); call it in page code, not during server-side rendering.',
    );
  }
  const existing = customElements.get(tagName);
  if (existing === QrLoginCodeElement || existing?.prototype instanceof QrLoginCodeElement)
    return existing as typeof QrLoginCodeElement;
  if (existing) {
    throw new Error(
      `<${tagName}> is already defined by another element; pass defineQrLoginElement() another tag name, such as "my-qr-login".`,
    );
  }
  // A registry accepts a class once: a second tag name gets a subclass of its own.
  const registered = customElements.getName?.(QrLoginCodeElement)
    ? class extends QrLoginCodeElement {}
    : QrLoginCodeElement;
  customElements.define(tagName, registered);
  return registered;
}

declare global {
  interface HTMLElementTagNameMap {
    'qr-login-code': QrLoginCodeElement;
  }
}
