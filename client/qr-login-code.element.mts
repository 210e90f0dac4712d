/*
 * `<qr-login-code>`: the web page's whole QR login as one element. It runs
 * `startQrLogin` and renders the code, the short code to type, who scanned,
 * the time left, rotations, expiry with a refresh button and failures, in
 * English or Simplified Chinese, and tells the page through DOM events.
 *
 * No framework: a custom element with an open shadow root, styled through
 * a constructed stylesheet (allowed under a `style-src 'self'` CSP). This
 * file holds the element's attributes, properties, life and events; what it
 * shows is `qr-login-code.view`'s.
 */
import { startQrLogin } from './qr-login.flow.mjs';
import type { QrLoginCode, QrLoginHandle, QrLoginOptions, QrLoginState, QrLoginTransport } from './qr-login.types.mjs';
import { loginOptionsOf, QR_LOGIN_CODE_ATTRIBUTES } from './qr-login-code.attributes.mjs';
import { emitQrLoginEvent, type QrLoginCodeEventMap } from './qr-login-code.events.mjs';
import {
  QR_LOGIN_CODE_MESSAGES,
  qrLoginCodeLanguageOf,
  type QrLoginCodeLanguage,
  type QrLoginCodeMessages,
} from './qr-login-code.i18n.mjs';
import type { StatusText } from './qr-login-code.status.mjs';
import { QrLoginCodeView } from './qr-login-code.view.mjs';

/** The tag `defineQrLoginElement()` registers by default. */
export const QR_LOGIN_CODE_TAG = 'qr-login-code';

// Loadable where there is no DOM (server-side rendering, Node tests): the class exists, defining it needs a browser.
const ElementBase: typeof HTMLElement =
  typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

/** Properties a page may set before the element is defined; they are re-applied through the setters on upgrade. */
const UPGRADED_PROPERTIES = ['customData', 'context', 'messages', 'fetch'] as const;

/**
 * `<qr-login-code>`: attributes in `qr-login-code.attributes` (changing one
 * starts a new login, but `lang`, which applies at once).
 *
 * Properties: `customData` and `context` (sent with each new code), `messages`
 * (texts to override), `fetch`; read-only `state`, `current`, `transport`.
 * Methods: `refresh()`, `stop()`, `start()`.
 */
export class QrLoginCodeElement extends ElementBase {
  static readonly observedAttributes: string[] = [...QR_LOGIN_CODE_ATTRIBUTES];

  private readonly view: QrLoginCodeView;
  private login: QrLoginHandle | undefined;
  private startQueued = false;
  private htmlLangObserver: MutationObserver | undefined;
  private customDataValue: Record<string, unknown> | undefined;
  private contextValue: Record<string, unknown> | undefined;
  private messageOverrides: Partial<QrLoginCodeMessages> | undefined;
  private fetchValue: typeof fetch | undefined;

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    this.view = new QrLoginCodeView({
      host: this,
      root,
      texts: () => this.texts(),
      language: () => this.language,
      onRefresh: () => void this.refresh(),
    });
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
    this.view.renderTexts();
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
    this.htmlLangObserver ??= new MutationObserver(() => this.view.renderTexts());
    this.htmlLangObserver.observe(this.ownerDocument.documentElement, { attributes: true, attributeFilter: ['lang'] });
    this.view.renderTexts();
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
    if (name === 'lang') return this.view.renderTexts();
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
    const options: QrLoginOptions = {
      ...loginOptionsOf(this),
      customData: this.customDataValue,
      context: this.contextValue,
      onCode: (code) => {
        this.view.showCode(code);
        this.emit('qr-login-code', code);
      },
      onStatus: (view) => {
        this.view.showNews(view);
        this.emit('qr-login-status', view);
      },
      onScanned: (user, view) => {
        this.view.showScanner(user, this.login?.current?.matchCode);
        this.emit('qr-login-scanned', { user, view });
      },
      onAuthorized: (result, ticket) => {
        this.view.showAuthorized();
        this.emit('qr-login-authorized', { result, ticket });
      },
      onCancelled: (reason) => {
        this.offerRefresh({ key: reason === 'MATCH_FAILED' ? 'matchFailed' : 'cancelled' });
        this.emit('qr-login-cancelled', { reason });
      },
      onExpired: ({ willRefresh }) => {
        if (willRefresh) this.view.showRefreshing();
        else this.offerRefresh({ key: 'expired' });
        this.emit('qr-login-expired', { willRefresh });
      },
      onError: (error) => {
        if (error.fatal) this.offerRefresh({ key: 'error', code: error.code });
        else this.view.setNotice(true);
        this.emit('qr-login-error', error);
      },
      onTransport: (current) => this.emit('qr-login-transport', { transport: current }),
    };
    if (this.fetchValue) options.fetch = this.fetchValue;
    this.view.showCreating(true);
    this.login = startQrLogin(options);
  }

  /** Drops the current code and shows a new one (what the refresh button does). */
  refresh(): Promise<void> {
    if (!this.login || this.login.state === 'stopped') {
      this.start();
      return Promise.resolve();
    }
    this.view.showCreating(false);
    return this.login.refresh();
  }

  /** Ends the login: closes the stream, clears timers; `start()` or `refresh()` begins again. */
  stop(): void {
    this.startQueued = false;
    this.login?.stop();
    this.login = undefined;
    this.view.showStopped();
  }

  private queueStart(): void {
    if (this.startQueued) return;
    this.startQueued = true;
    // After the current task, so a page can set customData, context or fetch right after creating the element.
    queueMicrotask(() => {
      if (this.startQueued && this.isConnected) this.start();
    });
  }

  /** The end of a code: only a new one goes on from here. */
  private offerRefresh(text: StatusText): void {
    this.view.offerRefresh(text, this.login?.state ?? 'failed');
  }

  private texts(): QrLoginCodeMessages {
    const base = QR_LOGIN_CODE_MESSAGES[this.language];
    const overrides = this.messageOverrides;
    if (!overrides) return base;
    return { ...base, ...overrides, errors: { ...base.errors, ...overrides.errors } };
  }

  private emit<K extends keyof QrLoginCodeEventMap>(type: K, detail: QrLoginCodeEventMap[K]['detail']): void {
    emitQrLoginEvent(this, type, detail);
  }
}

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
