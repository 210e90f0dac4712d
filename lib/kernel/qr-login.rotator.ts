import type { ResolvedQrLoginConfig } from './qr-login.config';
import type { QrLoginAudit } from './qr-login.audit';
import type { QrCodeRepository } from './qr-code.repository';
import { newQrCodeRecord } from './qr-code.factory';
import { newQrCodeId } from './qr-login.ids';
import { renderQrDataUrl, renderQrImage } from './qr-login.image';
import { decideRotate, isRotatable } from './qr-login.rules';
import { bindingOf } from './qr-login.visibility';
import type { QrLoginRotation } from './qr-login.watcher';
import type { QrLoginUserCodes } from './user-code.aliases';

/** How many rendered images the image route keeps (about 1 to 3 KB each as SVG). */
const IMAGE_CACHE_SIZE = 512;

/**
 * Rotation (`rotateEvery`): replaces a still-PENDING code by a new one with
 * the same creator, binding and expiry, and ends the old one (it reads
 * EXPIRED; its record keeps `replacedBy`, which moves the creator's streams).
 * Also renders native codes, since a rotated code needs a new image.
 * @internal
 */
export class QrLoginRotator implements QrLoginRotation {
  /** Recent images by id, oldest first (a Map keeps insertion order). */
  private readonly images = new Map<string, Promise<{ contentType: string; body: Buffer }>>();

  constructor(
    private readonly repository: QrCodeRepository,
    private readonly audit: QrLoginAudit,
    private readonly config: ResolvedQrLoginConfig,
    private readonly userCodes: QrLoginUserCodes,
  ) {}

  get everyMs(): number | undefined {
    return this.config.security.rotateEveryMs;
  }

  /** The QR text and image of a native code: the image itself, or with `imageUrl: 'route'` a link to it. */
  async render(qrcodeId: string): Promise<{ url: string; payload: string }> {
    const payload = this.config.payload(qrcodeId);
    if (this.config.imageUrl === 'route')
      return { payload, url: `/${this.config.routePrefix}/qrcodes/${qrcodeId}/image` };
    return { payload, url: await renderQrDataUrl(payload, this.config.imageFormat) };
  }

  /**
   * The image file of a native code, rendered once per id: a page that asks
   * again (a reload, a second tab) gets the same bytes without a render.
   * The last `IMAGE_CACHE_SIZE` images are kept.
   */
  async image(qrcodeId: string): Promise<{ contentType: string; body: Buffer }> {
    let rendering = this.images.get(qrcodeId);
    if (!rendering) {
      rendering = renderQrImage(this.config.payload(qrcodeId), this.config.imageFormat);
      this.images.set(qrcodeId, rendering);
      rendering.catch(() => this.images.delete(qrcodeId));
      if (this.images.size > IMAGE_CACHE_SIZE) this.images.delete(this.images.keys().next().value!);
    }
    return rendering;
  }

  /**
   * The successor is stored first, so a stream that moves never finds it
   * missing; if the old code changed meanwhile (scanned), the successor is
   * left to expire unseen.
   */
  async rotate(qrcodeId: string): Promise<void> {
    const clock = this.config.clock;
    const current = await this.repository.get(qrcodeId);
    if (!current || !isRotatable(current, clock.now())) return;
    const successor = newQrCodeRecord({
      id: newQrCodeId(current.expiresAt),
      type: current.type,
      now: clock.now(),
      expiresAt: current.expiresAt,
      creatorSecretHash: current.creatorSecretHash,
      binding: bindingOf(current),
      requester: current.requester,
      customData: current.customData,
      context: current.context,
      numberMatching: this.config.security.numberMatching,
    });
    // The successor is bound to the same key as the code it replaces: a rotation never loosens the binding.
    if (current.creatorKey) successor.creatorKey = { jkt: current.creatorKey.jkt };
    // A new user code too: the old one dies with the old code, like a photo of its QR.
    if (current.userCode) await this.userCodes.create(successor, successor.expiresAt);
    else await this.repository.create(successor);
    const { record, changed } = await this.repository.update(qrcodeId, (latest, now) =>
      decideRotate(latest, successor.id, now),
    );
    // A change here is always the rotation to this successor (decideRotate changes nothing else).
    if (!changed) return;
    this.audit.emit('rotated', record, { replacedBy: successor.id });
    this.audit.opened(successor);
  }
}
