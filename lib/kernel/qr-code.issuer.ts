import type { ResolvedQrLoginConfig } from './qr-login.config';
import type { QrLoginAudit } from './qr-login.audit';
import type { QrCodeRepository } from './qr-code.repository';
import { newQrCodeRecord, userCodeChoices } from './qr-code.factory';
import { qrErrors } from './qr-login.errors';
import { hashSecret, newQrCodeId, newSecret } from './qr-login.ids';
import { checkJsonLimits } from './qr-login.json-limits';
import type { QrLoginRotator } from './qr-login.rotator';
import { formatUserCode } from './user-code.format';
import type { QrLoginUserCodes } from './user-code.aliases';
import type { QrCodeBinding } from './interfaces/qr-code.interface';
import type {
  CreateQrCodeInput,
  CreateQrCodeOptions,
  CreateQrCodeRequester,
  QrCodeRendering,
  QrCodeTypeHandler,
} from './interfaces/qr-code-type-handler.interface';
import type { QrCodeCreated } from './interfaces/qr-login-views.interface';
import { QR_LOGIN_NO_INSTRUMENTATION, type QrLoginInstrumentation } from './interfaces/qr-login-instrumentation.port';

/**
 * Makes new codes: checks the creator's JSON and the store's room, picks the binding, renders
 * the image (natively, or through a registered type handler), gives the
 * code its user code, and stores it.
 * @internal
 */
export class QrCodeIssuer {
  private readonly typeHandlers = new Map<string, QrCodeTypeHandler>();

  constructor(
    private readonly config: ResolvedQrLoginConfig,
    private readonly repository: QrCodeRepository,
    private readonly audit: QrLoginAudit,
    private readonly rotator: QrLoginRotator,
    private readonly userCodes: QrLoginUserCodes,
    private readonly instrumentation: QrLoginInstrumentation = QR_LOGIN_NO_INSTRUMENTATION,
  ) {}

  /** One handler per type other than `MOBILE_APP`. */
  register(handler: QrCodeTypeHandler): void {
    if (this.typeHandlers.has(handler.type)) {
      throw new Error(`A handler for QR code type ${handler.type} is registered already; register each type once.`);
    }
    this.typeHandlers.set(handler.type, handler);
  }

  /** A new code, measured as the `create` action (its id is not known before it is made). */
  create(
    input: CreateQrCodeInput = {},
    requester: CreateQrCodeRequester = {},
    options: CreateQrCodeOptions = {},
  ): Promise<QrCodeCreated> {
    return this.instrumentation.run('create', undefined, () => this.issue(input, requester, options));
  }

  private async issue(
    input: CreateQrCodeInput,
    requester: CreateQrCodeRequester,
    options: CreateQrCodeOptions,
  ): Promise<QrCodeCreated> {
    const type = input.type ?? 'MOBILE_APP';
    const handler = this.typeHandlers.get(type);
    if (type !== 'MOBILE_APP' && !handler) {
      throw qrErrors.validation(
        `QR code type ${String(type)} is not enabled in this app; use MOBILE_APP or configure its module.`,
      );
    }
    const limits = { maxBytes: this.config.maxCustomDataBytes, maxDepth: this.config.security.maxCustomDataDepth };
    checkJsonLimits('customData', input.customData, limits);
    checkJsonLimits('context', input.context, limits);
    // A full store refuses here, before an image is rendered or a user code's alias written for a code never stored.
    await this.repository.checkRoom();
    const now = this.config.clock.now();
    // The id stores its expiry in whole seconds, so the record uses the same rounding.
    const expiresAt = Math.ceil((now + this.config.qrCodeTtlMs) / 1000) * 1000;
    const creatorSecret = newSecret();
    const device = options.flow === 'device';
    if (device && !this.config.userCodes) {
      throw new Error(
        'A device flow is reachable only through its user code, and QrLoginModule has userCodes off; turn userCodes on.',
      );
    }
    const matching = options.numberMatching === false ? false : this.config.security.numberMatching;
    const binding = options.binding ?? this.nativeBinding();
    const creatorKey = this.creatorKeyOf(options);
    const record = newQrCodeRecord({
      id: newQrCodeId(expiresAt),
      type,
      now,
      expiresAt,
      creatorSecretHash: hashSecret(creatorSecret),
      // A device flow's id never leaves the server: phones reach it by its user code only, whatever the caller asked.
      binding: device ? { ...binding, scan: 'user-code' } : binding,
      requester: {
        ...(requester.ip ? { ip: requester.ip } : {}),
        ...(requester.userAgent ? { userAgent: requester.userAgent.slice(0, 512) } : {}),
        ...(requester.origin ? { origin: requester.origin.slice(0, 256) } : {}),
        createdAt: new Date(now).toISOString(),
        ...(this.config.appName ? { appName: this.config.appName } : {}),
        ...(options.client ? { client: { id: options.client.id, name: options.client.name.slice(0, 100) } } : {}),
      },
      customData: input.customData,
      context: input.context,
      // A device shows no page to put a number on: its user code is what a phone matches (below).
      numberMatching: device ? false : matching,
    });
    if (device) record.flow = 'device';
    if (creatorKey) record.creatorKey = creatorKey;
    const rendering: QrCodeRendering = handler
      ? await handler.render({ qrcodeId: record.id, expiresAt, input })
      : await this.rotator.render(record.id);
    if (rendering.connection) record.binding = { ...record.binding!, connection: rendering.connection };
    if (this.config.userCodes) {
      // The record and its user code's alias go to the store together (one round trip where the store allows).
      const choices = device && matching ? matching.choices : undefined;
      await this.userCodes.create(record, expiresAt, (pending, userCode) => {
        if (choices !== undefined) pending.userCodeChoices = userCodeChoices(userCode, choices);
      });
    } else {
      await this.repository.create(record);
    }
    this.audit.opened(record);
    return {
      qrcodeId: record.id,
      url: rendering.url,
      payload: rendering.payload,
      ...(rendering.customLogoUrl ? { customLogoUrl: rendering.customLogoUrl } : {}),
      expiresIn: Math.floor((expiresAt - now) / 1000),
      ...(record.match ? { matchCode: record.match.code } : {}),
      ...(record.userCode ? { userCode: formatUserCode(record.userCode) } : {}),
      creatorSecret,
    };
  }

  /**
   * The key a new code is bound to. On the native routes (no `binding`
   * given) `creatorBinding` decides: `secret` ignores a key, `dpop` refuses a
   * create without one. A plugin's code is key-bound when the plugin passes
   * the key its own request proved (the device grant's DPoP).
   */
  private creatorKeyOf(options: CreateQrCodeOptions): { jkt: string } | undefined {
    const jkt = options.creatorKey?.jkt;
    const key = typeof jkt === 'string' && jkt !== '' ? { jkt } : undefined;
    if (options.binding !== undefined) return key;
    const mode = this.config.creatorBinding;
    if (mode === 'secret') return undefined;
    if (mode === 'dpop' && !key) throw qrErrors.dpopProofRequired();
    return key;
  }

  /** The binding of codes created on the native routes, per `bindToCreator`. */
  private nativeBinding(): QrCodeBinding {
    const who = this.config.bindToCreator ? 'creator' : 'anyone';
    return { reveal: who, redeem: who, via: 'native' };
  }
}
