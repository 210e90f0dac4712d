import { QrLoginConfigError } from '../../kernel/qr-login.errors';
import type { QrLoginModuleOptions } from '../../kernel/interfaces/qr-login-options.interface';
import type {
  GenAuthCompatOptions,
  GenAuthTokenEndpointAuthMethod,
  QrLoginCompatExtras,
} from './genauth-options.interface';

/** The `genauth` options after validation, with defaults filled in. */
export interface ResolvedGenAuthConfig {
  v3: boolean;
  v2: boolean;
  tokenEndpointAuthMethod: GenAuthTokenEndpointAuthMethod;
  clientId?: string;
  clientSecret?: string;
  appId?: string;
  bindToCreator: boolean;
  issueTokenSet?: GenAuthCompatOptions['issueTokenSet'];
}

const METHODS: readonly GenAuthTokenEndpointAuthMethod[] = ['none', 'client_secret_post', 'client_secret_basic'];
const COMPAT_KEYS = ['genauthV3', 'genauthV2'] as const;
const OPTION_KEYS = new Set([
  'tokenEndpointAuthMethod',
  'clientId',
  'clientSecret',
  'appId',
  'bindToCreator',
  'issueTokenSet',
]);

function resolveCompatExtras(compat: unknown): { v3: boolean; v2: boolean } {
  if (compat === undefined) return { v3: false, v2: false };
  const example = 'e.g. QrLoginModule.forRoot({ compat: { genauthV3: true, genauthV2: true }, ... })';
  if (compat === null || typeof compat !== 'object') {
    throw new QrLoginConfigError(`"compat" must be an object, ${example}.`);
  }
  for (const [key, value] of Object.entries(compat)) {
    if (!(COMPAT_KEYS as readonly string[]).includes(key)) {
      throw new QrLoginConfigError(`"compat.${key}" is not a setting; the settings are ${COMPAT_KEYS.join(' and ')}, ${example}.`);
    }
    if (value !== undefined && typeof value !== 'boolean') {
      throw new QrLoginConfigError(`"compat.${key}" must be true or false; got ${JSON.stringify(value)}.`);
    }
  }
  const flags = compat as QrLoginCompatExtras;
  return { v3: flags.genauthV3 === true, v2: flags.genauthV2 === true };
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new QrLoginConfigError(`"genauth.${name}" must be a non-empty string; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/**
 * Validates the `genauth` options against the `compat` module setting. Runs
 * with the rest of the configuration while the module starts, so a missing
 * client secret stops the app instead of refusing every exchange later.
 */
export function resolveGenAuthConfig(options: QrLoginModuleOptions, compat: unknown): ResolvedGenAuthConfig {
  const { v3, v2 } = resolveCompatExtras(compat);
  const raw: GenAuthCompatOptions = options.genauth ?? {};
  if (raw === null || typeof raw !== 'object') {
    throw new QrLoginConfigError(`"genauth" must be an object such as { tokenEndpointAuthMethod: "none" }; got ${JSON.stringify(raw)}.`);
  }
  for (const key of Object.keys(raw)) {
    if (!OPTION_KEYS.has(key)) {
      throw new QrLoginConfigError(`"genauth.${key}" is not an option; the options are ${[...OPTION_KEYS].join(', ')}.`);
    }
  }
  const method = raw.tokenEndpointAuthMethod ?? 'none';
  if (!METHODS.includes(method)) {
    throw new QrLoginConfigError(
      `"genauth.tokenEndpointAuthMethod" must be one of ${METHODS.join(', ')}; got ${JSON.stringify(method)}.`,
    );
  }
  const clientId = optionalString('clientId', raw.clientId);
  const clientSecret = optionalString('clientSecret', raw.clientSecret);
  if (method !== 'none' && (clientId === undefined || clientSecret === undefined)) {
    throw new QrLoginConfigError(
      `"genauth.tokenEndpointAuthMethod: ${method}" needs the client credentials the SDK is initialised with: set genauth.clientId (the SDK's appId) and genauth.clientSecret (its appSecret), or use tokenEndpointAuthMethod "none".`,
    );
  }
  if (raw.bindToCreator !== undefined && typeof raw.bindToCreator !== 'boolean') {
    throw new QrLoginConfigError(`"genauth.bindToCreator" must be true or false; got ${JSON.stringify(raw.bindToCreator)}.`);
  }
  if (raw.issueTokenSet !== undefined && typeof raw.issueTokenSet !== 'function') {
    throw new QrLoginConfigError(`"genauth.issueTokenSet" must be a function of (user, context); got ${typeof raw.issueTokenSet}.`);
  }
  if ((v3 || v2) && raw.issueTokenSet === undefined && options.issueTokenSet === undefined) {
    throw new QrLoginConfigError(
      'the GenAuth compatible routes answer a token set for the confirmed user, but no hook issues one: set issueTokenSet (returning at least access_token and expires_in) or genauth.issueTokenSet.',
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
