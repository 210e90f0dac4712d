import { QrLoginConfigError } from '../../plugin';
import type {
  GenAuthTokenEndpointAuthMethod,
  QrLoginGenAuthModuleExtras,
  QrLoginGenAuthModuleOptions,
} from './genauth-options.interface';

/** The options after validation, with defaults filled in. */
export interface ResolvedGenAuthConfig {
  v3: boolean;
  v2: boolean;
  tokenEndpointAuthMethod: GenAuthTokenEndpointAuthMethod;
  clientId?: string;
  clientSecret?: string;
  appId?: string;
  bindToCreator: boolean;
  issueTokenSet?: QrLoginGenAuthModuleOptions['issueTokenSet'];
}

/** Thrown while `QrLoginGenAuthModule` starts when its options cannot work; the message says how to fix them. */
export class QrLoginGenAuthConfigError extends QrLoginConfigError {
  constructor(message: string) {
    super(message);
    this.message = `QrLoginGenAuthModule is misconfigured: ${message}`;
    this.name = 'QrLoginGenAuthConfigError';
  }
}

const METHODS: readonly GenAuthTokenEndpointAuthMethod[] = ['none', 'client_secret_post', 'client_secret_basic'];
const EXTRA_KEYS = ['v3', 'v2', 'routeDecorators'] as const;
const OPTION_KEYS = new Set([
  'tokenEndpointAuthMethod',
  'clientId',
  'clientSecret',
  'appId',
  'bindToCreator',
  'issueTokenSet',
]);

function resolveExtras(extras: QrLoginGenAuthModuleExtras): { v3: boolean; v2: boolean } {
  for (const key of ['v3', 'v2'] as const) {
    const value = extras[key];
    if (value !== undefined && typeof value !== 'boolean') {
      throw new QrLoginGenAuthConfigError(`"${key}" must be true or false; got ${JSON.stringify(value)}.`);
    }
  }
  const v3 = extras.v3 ?? true;
  const v2 = extras.v2 ?? false;
  if (!v3 && !v2) {
    throw new QrLoginGenAuthConfigError(
      '"v3" and "v2" are both false, so no route would be mounted; set one of them to true, or leave the module out.',
    );
  }
  return { v3, v2 };
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new QrLoginGenAuthConfigError(`"${name}" must be a non-empty string; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Validates the options while the module starts, so a missing client secret
 * stops the app instead of refusing every exchange later.
 * @internal
 */
export function resolveGenAuthConfig(
  options: QrLoginGenAuthModuleOptions | undefined,
  extras: QrLoginGenAuthModuleExtras = {},
): ResolvedGenAuthConfig {
  const { v3, v2 } = resolveExtras(extras);
  // `?? {}` leaves no null here, so the type check alone sees every non-object.
  const raw: QrLoginGenAuthModuleOptions = options ?? {};
  if (typeof raw !== 'object') {
    throw new QrLoginGenAuthConfigError(
      `the options must be an object such as { tokenEndpointAuthMethod: "none" }; got ${JSON.stringify(raw)}.`,
    );
  }
  for (const key of Object.keys(raw)) {
    if ((EXTRA_KEYS as readonly string[]).includes(key)) {
      throw new QrLoginGenAuthConfigError(
        `"${key}" is a module setting and is ignored inside the options object; pass it beside the factory: QrLoginGenAuthModule.forRootAsync({ ${key}: ..., useFactory }).`,
      );
    }
    if (!OPTION_KEYS.has(key)) {
      throw new QrLoginGenAuthConfigError(`"${key}" is not an option; the options are ${[...OPTION_KEYS].join(', ')}.`);
    }
  }
  const method = raw.tokenEndpointAuthMethod ?? 'none';
  if (!METHODS.includes(method)) {
    throw new QrLoginGenAuthConfigError(
      `"tokenEndpointAuthMethod" must be one of ${METHODS.join(', ')}; got ${JSON.stringify(method)}.`,
    );
  }
  const clientId = optionalString('clientId', raw.clientId);
  const clientSecret = optionalString('clientSecret', raw.clientSecret);
  if (method !== 'none' && (clientId === undefined || clientSecret === undefined)) {
    throw new QrLoginGenAuthConfigError(
      `"tokenEndpointAuthMethod: ${method}" needs the client credentials the SDK is initialised with: set clientId (the SDK's appId) and clientSecret (its appSecret), or use tokenEndpointAuthMethod "none".`,
    );
  }
  if (raw.bindToCreator !== undefined && typeof raw.bindToCreator !== 'boolean') {
    throw new QrLoginGenAuthConfigError(
      `"bindToCreator" must be true or false; got ${JSON.stringify(raw.bindToCreator)}.`,
    );
  }
  if (raw.issueTokenSet !== undefined && typeof raw.issueTokenSet !== 'function') {
    throw new QrLoginGenAuthConfigError(
      `"issueTokenSet" must be a function of (user, context); got ${typeof raw.issueTokenSet}.`,
    );
  }
  return {
    v3,
    v2,
    tokenEndpointAuthMethod: method,
    ...(clientId !== undefined ? { clientId } : {}),
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    ...(raw.appId !== undefined ? { appId: optionalString('appId', raw.appId) } : {}),
    bindToCreator: raw.bindToCreator ?? false,
    ...(raw.issueTokenSet ? { issueTokenSet: raw.issueTokenSet } : {}),
  };
}
