import type { JsonObject, QrCodeBinding, QrCodeFlow, QrCodeType } from './qr-code.interface';

/** Input of `QrLoginService.create`. */
export interface CreateQrCodeInput {
  /** `MOBILE_APP` (the default) is served by the kernel; other types need a registered `QrCodeTypeHandler`. */
  type?: QrCodeType;
  /** For handler types: which configured connection to use (GenAuth's `extIdpConnId`). */
  extIdpConnId?: string;
  /** For handler types that support it: merge the logo into the image on the server. */
  autoMergeQrCode?: boolean;
  /** Arbitrary JSON handed to the hooks on authorization (GenAuth's `customData`). */
  customData?: JsonObject;
  /** Arbitrary JSON handed to the hooks on authorization (GenAuth's `context`). */
  context?: JsonObject;
}

/** Facts about the creating request, as the HTTP edge read them. */
export interface CreateQrCodeRequester {
  ip?: string;
  /** The `User-Agent` header: client-supplied, kept to 512 characters. */
  userAgent?: string;
  /** The `Origin` header of the page that asked. */
  origin?: string;
}

/** How a new code may be read, redeemed and confirmed: decided at creation and stored with the code. */
export interface CreateQrCodeOptions {
  /** How the code may be read and redeemed. Default: the native routes' binding (`bindToCreator`). */
  binding?: QrCodeBinding;
  /**
   * `false` creates the code without any number matching even when the
   * module's `numberMatching` is on. Default: the module's `numberMatching`.
   */
  numberMatching?: false;
  /**
   * `device` for a device flow (the OAuth device grant): the code is then
   * reachable only through its user code (its binding's `scan` is
   * `user-code`, whatever `binding` says), carries no match number (a device
   * shows only its user code), and, with number matching on, a phone that
   * arrives by a link must pick the user code among decoys. Needs the
   * module's `userCodes` on. Default `qr`.
   */
  flow?: QrCodeFlow;
  /** The authenticated client the code is made for (id and display name), shown on the phone at scan. */
  client?: { id: string; name: string };
  /**
   * The thumbprint of the key whose DPoP proof the creating request carried
   * (verified by the HTTP edge): the code is then key-bound (`creatorKey`).
   */
  creatorKey?: { jkt: string };
}

/** What a `QrCodeTypeHandler` makes for a new code. */
export interface QrCodeRendering {
  /** Image URL (data URL or remote) the page shows. */
  url: string;
  /** Text or URL inside the QR image. */
  payload: string;
  /** Logo for the client to stitch onto the image (GenAuth's `customLogoUrl`). */
  customLogoUrl?: string;
  /** The handler's connection that made the code, stored on the record (`binding.connection`). */
  connection?: string;
}

/**
 * Serves a code type other than `MOBILE_APP` (e.g. WeChat's): renders the image
 * through its own channel. The state machine, store and routes stay the same.
 * Register with `QrLoginService.registerTypeHandler()`, e.g. in `onModuleInit`.
 */
export interface QrCodeTypeHandler {
  readonly type: Exclude<QrCodeType, 'MOBILE_APP'>;
  /** Called before the code is stored; a throw (e.g. an upstream error) aborts the creation. */
  render(code: { qrcodeId: string; expiresAt: number; input: CreateQrCodeInput }): Promise<QrCodeRendering>;
}
