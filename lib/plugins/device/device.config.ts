import { QrLoginConfigError } from '../../plugin';
import { DEVICE_VIA } from './device.constants';
import type {
  QrLoginDeviceClient,
  QrLoginDeviceClientAuthMethod,
  QrLoginDeviceGrantModuleOptions,
} from './device-options.interface';

/** Thrown while the app starts when the device grant's options cannot work; the message says how to fix them. */
export class QrLoginDeviceGrantConfigError extends QrLoginConfigError {
  constructor(message: string) {
    super(message);
    this.message = `QrLoginDeviceGrantModule is misconfigured: ${message}`;
    this.name = 'QrLoginDeviceGrantConfigError';
  }
}

/** A registered client after validation. */
export interface ResolvedDeviceClient {
  clientId: string;
  /** The display name the phone shows. */
  name: string;
  clientSecret?: string;
  method: QrLoginDeviceClientAuthMethod;
  /** The client identity its codes' binding names, so only it can poll and redeem them. */
  bindingClient: string;
}

/** The options after validation, with defaults. */
export interface ResolvedDeviceGrantConfig {
  clients: Map<string, ResolvedDeviceClient>;
  issuer?: () => string;
  verificationUri: (issuer: string) => string;
  intervalSeconds: number;
}

const METHODS: readonly QrLoginDeviceClientAuthMethod[] = ['none', 'client_secret_post', 'client_secret_basic'];

function resolveClient(client: QrLoginDeviceClient, index: number): ResolvedDeviceClient {
  const where = `clients[${index}]`;
  if (
    !client ||
    typeof client !== 'object' ||
    typeof client.clientId !== 'string' ||
    client.clientId === '' ||
    client.clientId.length > 200
  ) {
    throw new QrLoginDeviceGrantConfigError(
      `"${where}.clientId" must be a non-empty string of at most 200 characters, e.g. { clientId: "my-cli" }.`,
    );
  }
  if (
    client.name !== undefined &&
    (typeof client.name !== 'string' || client.name.trim() === '' || client.name.length > 100)
  ) {
    throw new QrLoginDeviceGrantConfigError(
      `"${where}.name" must be a non-empty string of at most 100 characters (what the phone calls the device), e.g. "Living-room TV".`,
    );
  }
  const method = client.tokenEndpointAuthMethod ?? (client.clientSecret === undefined ? 'none' : 'client_secret_basic');
  if (!METHODS.includes(method)) {
    throw new QrLoginDeviceGrantConfigError(
      `"${where}.tokenEndpointAuthMethod" must be one of ${METHODS.join(', ')}; got ${JSON.stringify(method)}.`,
    );
  }
  const hasSecret = typeof client.clientSecret === 'string' && client.clientSecret.length > 0;
  if (method !== 'none' && !hasSecret) {
    throw new QrLoginDeviceGrantConfigError(`"${where}" uses ${method}, which needs a non-empty "clientSecret".`);
  }
  if (method === 'none' && client.clientSecret !== undefined) {
    throw new QrLoginDeviceGrantConfigError(
      `"${where}" is a public client (tokenEndpointAuthMethod "none"): drop its clientSecret or choose client_secret_basic / client_secret_post.`,
    );
  }
  return {
    clientId: client.clientId,
    name: client.name ?? client.clientId,
    ...(hasSecret ? { clientSecret: client.clientSecret } : {}),
    method,
    bindingClient: `${DEVICE_VIA}:${client.clientId}`,
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function absoluteUrl(name: string, value: string): string {
  if (!/^https?:\/\/[^/\s]+/i.test(value)) {
    throw new QrLoginDeviceGrantConfigError(
      `"${name}" must be an absolute http(s) URL such as "https://login.example.com"; got ${JSON.stringify(value)}.`,
    );
  }
  return trimSlash(value);
}

/** Validates the options and fills in defaults; runs while the app starts. @internal */
export function resolveDeviceGrantConfig(
  options: QrLoginDeviceGrantModuleOptions | undefined,
): ResolvedDeviceGrantConfig {
  if (!options || typeof options !== 'object') {
    throw new QrLoginDeviceGrantConfigError(
      'no options were given. Call QrLoginDeviceGrantModule.forRoot({ clients: [{ clientId: "my-cli" }] }).',
    );
  }
  if (!Array.isArray(options.clients) || options.clients.length === 0) {
    throw new QrLoginDeviceGrantConfigError(
      '"clients" must list at least one client, e.g. clients: [{ clientId: "my-cli" }].',
    );
  }
  const clients = new Map<string, ResolvedDeviceClient>();
  options.clients.forEach((client, index) => {
    const resolved = resolveClient(client, index);
    if (clients.has(resolved.clientId))
      throw new QrLoginDeviceGrantConfigError(
        `client "${resolved.clientId}" is listed twice; list each clientId once.`,
      );
    clients.set(resolved.clientId, resolved);
  });
  const interval = options.interval ?? 5;
  if (!Number.isInteger(interval) || interval < 1 || interval > 60) {
    throw new QrLoginDeviceGrantConfigError(
      `"interval" must be a whole number of seconds from 1 to 60; got ${JSON.stringify(interval)}.`,
    );
  }
  let issuer: (() => string) | undefined;
  const given = options.issuer;
  if (typeof given === 'string') {
    const fixed = absoluteUrl('issuer', given);
    issuer = () => fixed;
  } else if (typeof given === 'function') {
    issuer = () => absoluteUrl('issuer', given());
  } else if (given !== undefined) {
    throw new QrLoginDeviceGrantConfigError('"issuer" must be a URL string or a function returning one.');
  }
  const uri = options.verificationUri;
  let verificationUri: (issuer: string) => string;
  if (uri === undefined) verificationUri = (base) => `${base}/device`;
  else if (typeof uri === 'string') {
    const fixed = absoluteUrl('verificationUri', uri);
    verificationUri = () => fixed;
  } else if (typeof uri === 'function') verificationUri = (base) => absoluteUrl('verificationUri', uri(base));
  else
    throw new QrLoginDeviceGrantConfigError(
      '"verificationUri" must be a URL string or a function of the issuer returning one.',
    );
  return { clients, ...(issuer ? { issuer } : {}), verificationUri, intervalSeconds: interval };
}
