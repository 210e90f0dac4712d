import { QrLoginConfigError } from '../kernel/qr-login.errors';
import type { QrLoginPasskeyStore } from '../kernel/interfaces/qr-login-passkey-store.interface';
import { MemoryQrLoginPasskeyStore } from '../stores/memory-passkey.store';
import type { QrLoginApprovalOption, QrLoginPasskeyOptions } from './qr-login-passkey-options.interface';

/** The `approval` and `passkeys` options, checked and defaulted. */
export interface ResolvedPasskeyConfig {
  approval: QrLoginApprovalOption;
  /** Absent when passkeys are not set up: every code is approved by token and the passkey routes answer 404. */
  passkeys?: {
    rpId: string;
    origins: string[];
    rpName: string;
    store: QrLoginPasskeyStore;
    /** ms */
    timeoutMs: number;
    userName: (user: unknown) => string;
    mayRegister: (user: unknown, registered: number) => boolean | Promise<boolean>;
  };
}

/** Injection token of `ResolvedPasskeyConfig`. */
export const QR_LOGIN_PASSKEY_CONFIG = 'QR_LOGIN:PASSKEY_CONFIG';

const STORE_METHODS = ['add', 'listByUser', 'get', 'updateCounter'];

function defaultUserName(user: unknown): string {
  const fields = (user ?? {}) as Record<string, unknown>;
  const name = [fields.username, fields.email, fields.id].find((value) => typeof value === 'string' && value !== '');
  return (name as string | undefined) ?? 'user';
}

function originsOf(origins: unknown): string[] {
  const list = typeof origins === 'string' ? [origins] : origins;
  if (!Array.isArray(list) || list.length === 0 || list.some((origin) => typeof origin !== 'string' || origin === '')) {
    throw new QrLoginConfigError(
      '"passkeys.origins" must name the origin(s) the phone pages run on, e.g. "https://app.example.com".',
    );
  }
  return [...list];
}

/**
 * Checks the options once at start: an approval that may ask for a passkey
 * needs `passkeys`, so a misconfigured app stops at start rather than
 * refusing every confirm.
 */
export function resolvePasskeyConfig(approval: unknown, given: unknown, appName?: string): ResolvedPasskeyConfig {
  const method = approval ?? 'token';
  if (method !== 'token' && method !== 'passkey' && typeof method !== 'function') {
    throw new QrLoginConfigError(
      `"approval" must be 'token', 'passkey' or a function of (code, user); got ${JSON.stringify(method)}.`,
    );
  }
  if (given === undefined) {
    if (method !== 'token')
      throw new QrLoginConfigError('"approval" may ask for a passkey, so set "passkeys" too: { rpId, origins }.');
    return { approval: method };
  }
  const options = given as Partial<QrLoginPasskeyOptions>;
  if (typeof options.rpId !== 'string' || options.rpId === '') {
    throw new QrLoginConfigError('"passkeys.rpId" must be the host name the phone page is on, e.g. "example.com".');
  }
  const store = options.store ?? new MemoryQrLoginPasskeyStore();
  const missing = STORE_METHODS.filter(
    (name) => typeof (store as unknown as Record<string, unknown>)[name] !== 'function',
  );
  if (missing.length)
    throw new QrLoginConfigError(`"passkeys.store" lacks ${missing.join(', ')}: implement QrLoginPasskeyStore.`);
  const timeout = options.timeoutSeconds ?? 120;
  if (!Number.isInteger(timeout) || timeout < 10 || timeout > 600) {
    throw new QrLoginConfigError('"passkeys.timeoutSeconds" must be a whole number of seconds from 10 to 600.');
  }
  return {
    approval: method as QrLoginApprovalOption,
    passkeys: {
      rpId: options.rpId,
      origins: originsOf(options.origins),
      rpName: options.rpName ?? appName ?? options.rpId,
      store,
      timeoutMs: timeout * 1000,
      userName: options.userName ?? defaultUserName,
      mayRegister: options.mayRegister ?? ((_user, registered) => registered === 0),
    },
  };
}
