/*
 * The rendering of `startQrLogin` into a `container`: the QR image, the match
 * number and the short code to type, and the state on `data-` attributes for
 * the page's CSS. Pages that render from the callbacks never load a node.
 */
import type { QrLoginCode, QrLoginLabels, QrLoginState, QrLoginStatus } from './qr-login.types.mjs';

const DEFAULT_LABELS: QrLoginLabels = {
  image: 'QR code: scan it with the app on your phone to log in',
  matchCode: 'Pick this number on your phone',
  shortCode: 'Or type this code in the app',
};

interface Nodes {
  image: HTMLImageElement;
  match: HTMLElement;
  matchValue: HTMLElement;
  short: HTMLElement;
  shortValue: HTMLElement;
}

/** What the client shows in its container; every method does nothing without one. @internal */
export class QrLoginContainerView {
  private readonly labels: QrLoginLabels;
  private nodes: Nodes | undefined;

  constructor(
    private readonly container: HTMLElement | null | undefined,
    labels: Partial<QrLoginLabels> | undefined,
  ) {
    this.labels = { ...DEFAULT_LABELS, ...labels };
  }

  /** Shows `code`; the first call takes over the container's children. */
  showCode(code: QrLoginCode): void {
    if (!this.container) return;
    const nodes = (this.nodes ??= this.build(this.container));
    nodes.image.src = code.url;
    nodes.image.dataset.qrcodeId = code.qrcodeId;
    nodes.matchValue.textContent = code.matchCode ?? '';
    nodes.match.hidden = !code.matchCode;
    const typed = code.userCode ?? code.shortCode;
    nodes.shortValue.textContent = typed ?? '';
    nodes.short.hidden = !typed;
  }

  /** `data-qr-login-status`: the server's latest status of the code. */
  showStatus(status: QrLoginStatus): void {
    if (this.container) this.container.dataset.qrLoginStatus = status;
  }

  /** `data-qr-login-state`: where the login stands. */
  showState(state: QrLoginState): void {
    if (this.container) this.container.dataset.qrLoginState = state;
  }

  private build(container: HTMLElement): Nodes {
    const doc = container.ownerDocument;
    const image = doc.createElement('img');
    image.className = 'qr-login-image';
    image.alt = this.labels.image;
    const line = (className: string, valueTag: string, labelText: string) => {
      const element = doc.createElement('p');
      element.className = className;
      const label = doc.createElement('span');
      label.className = 'qr-login-label';
      label.textContent = labelText;
      const value = doc.createElement(valueTag);
      value.className = 'qr-login-value';
      element.append(label, ' ', value);
      return { element, value };
    };
    const match = line('qr-login-match', 'strong', this.labels.matchCode);
    const short = line('qr-login-short-code', 'code', this.labels.shortCode);
    container.classList.add('qr-login');
    container.replaceChildren(image, match.element, short.element);
    return { image, match: match.element, matchValue: match.value, short: short.element, shortValue: short.value };
  }
}
