/*
 * Who the phone app's user is: how a request of the app is authenticated
 * (`appAuth`), and what the kernel reads off the user it yields when the
 * app sets no `getUserId` / `getBriefUserInfo`.
 */
import { QrLoginConfigError } from './qr-login.errors';
import { refuseUnknownKeys } from './qr-login.option-checks';
import type { BriefUserInfo } from './interfaces/qr-code.interface';
import type { QrLoginAppAuthOptions } from './interfaces/qr-login-options.interface';

const APP_AUTH_KEYS = Object.keys({ strategies: 1, resolveUser: 1 } satisfies Record<keyof QrLoginAppAuthOptions, 1>);

/** `appAuth` after validation: exactly one of passport strategies and a resolver. */
export type ResolvedAppAuth = QrLoginAppAuthOptions & { strategies?: string[] };

/** The user's id: `id`, `sub` or `userId`, whichever it has first. @internal */
export function defaultUserId(appUser: any): string {
  const id = appUser?.id ?? appUser?.sub ?? appUser?.userId;
  if (id === undefined || id === null || id === '') {
    throw new Error(
      'QrLoginModule could not find an id on the app user (looked for id, sub and userId); set the getUserId option.',
    );
  }
  return String(id);
}

/** What a page may see of the user: a display name (from the usual fields, else the id) and a photo URL. @internal */
export function defaultBriefUserInfo(appUser: any): BriefUserInfo {
  const displayName = appUser?.displayName ?? appUser?.nickname ?? appUser?.name ?? appUser?.username;
  const photo = appUser?.photo ?? appUser?.avatar ?? appUser?.picture;
  return {
    displayName: displayName === undefined ? defaultUserId(appUser) : String(displayName),
    ...(typeof photo === 'string' ? { photo } : {}),
  };
}

/** Validates `appAuth`: required, with exactly one of `strategies` and `resolveUser`. @internal */
export function resolveAppAuth(appAuth: QrLoginAppAuthOptions | undefined): ResolvedAppAuth {
  const example =
    'e.g. appAuth: { strategies: ["jwt"] } or appAuth: { resolveUser: (req) => usersService.fromToken(req) }';
  if (!appAuth || typeof appAuth !== 'object') {
    throw new QrLoginConfigError(
      `"appAuth" is required: it says how the phone app's user is authenticated, ${example}.`,
    );
  }
  refuseUnknownKeys('appAuth', appAuth, APP_AUTH_KEYS);
  const strategies = appAuth.strategies === undefined ? undefined : ([] as string[]).concat(appAuth.strategies);
  const hasStrategies = strategies !== undefined;
  const hasResolver = appAuth.resolveUser !== undefined;
  if (hasStrategies === hasResolver) {
    throw new QrLoginConfigError(`"appAuth" needs exactly one of "strategies" and "resolveUser", ${example}.`);
  }
  if (hasStrategies && (strategies.length === 0 || strategies.some((s) => typeof s !== 'string' || s === ''))) {
    throw new QrLoginConfigError(
      `"appAuth.strategies" must name at least one registered passport strategy, ${example}.`,
    );
  }
  if (hasResolver && typeof appAuth.resolveUser !== 'function') {
    throw new QrLoginConfigError(`"appAuth.resolveUser" must be a function of the request, ${example}.`);
  }
  return hasStrategies ? { strategies } : { resolveUser: appAuth.resolveUser };
}
