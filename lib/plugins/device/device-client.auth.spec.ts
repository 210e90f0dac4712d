import { describe, expect, it } from 'vitest';
import { authenticateDeviceClient, formField } from './device-client.auth';
import { resolveDeviceGrantConfig } from './device.config';
import { QrLoginDeviceGrantException } from './device.errors';

/*
 * Client authentication of the device grant (RFC 6749 §2.3), per method: a
 * public client (none), client_secret_post and client_secret_basic. Each
 * refusal is checked for its status, its OAuth error and, for Basic
 * attempts, the challenge.
 */

const config = resolveDeviceGrantConfig({
  clients: [
    { clientId: 'tv-app' },
    { clientId: 'basic-app', clientSecret: 'basic-secret', tokenEndpointAuthMethod: 'client_secret_basic' },
    { clientId: 'post-app', clientSecret: 'post-secret', tokenEndpointAuthMethod: 'client_secret_post' },
    { clientId: 'odd id:+%', clientSecret: 'odd secret:+', tokenEndpointAuthMethod: 'client_secret_basic' },
  ],
});

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** The outcome: the authenticated client's id, or `status error [challenge]`. */
function outcome(authorization: string | undefined, body: unknown): string {
  try {
    return authenticateDeviceClient(config, authorization, body).clientId;
  } catch (error) {
    if (!(error instanceof QrLoginDeviceGrantException)) throw error;
    return [error.getStatus(), error.code, error.challenge].filter(Boolean).join(' ');
  }
}

describe('authenticateDeviceClient', () => {
  it.each<[string, string | undefined, Record<string, unknown> | undefined, string]>([
    // Public client: its id in the body, and no secret anywhere.
    ['a public client by id', undefined, { client_id: 'tv-app' }, 'tv-app'],
    ['a public client sending a secret', undefined, { client_id: 'tv-app', client_secret: 'x' }, '401 invalid_client'],
    ['a public client over Basic', basic('tv-app', ''), {}, '401 invalid_client Basic realm="device"'],
    // client_secret_post: id and secret in the body.
    ['post with its secret', undefined, { client_id: 'post-app', client_secret: 'post-secret' }, 'post-app'],
    ['post with a wrong secret', undefined, { client_id: 'post-app', client_secret: 'nope' }, '401 invalid_client'],
    ['post without a secret', undefined, { client_id: 'post-app' }, '401 invalid_client'],
    ['post with an empty secret', undefined, { client_id: 'post-app', client_secret: '' }, '401 invalid_client'],
    ['post over Basic', basic('post-app', 'post-secret'), {}, '401 invalid_client Basic realm="device"'],
    // client_secret_basic: id and secret in the Authorization header.
    ['basic with its secret', basic('basic-app', 'basic-secret'), {}, 'basic-app'],
    ['basic, lower-case scheme', `basic ${basic('basic-app', 'basic-secret').slice(6)}`, {}, 'basic-app'],
    ['basic with a wrong secret', basic('basic-app', 'nope'), {}, '401 invalid_client Basic realm="device"'],
    ['basic with no secret', basic('basic-app', ''), {}, '401 invalid_client Basic realm="device"'],
    [
      'basic with the same client_id in the body',
      basic('basic-app', 'basic-secret'),
      { client_id: 'basic-app' },
      'basic-app',
    ],
    [
      'basic with another client_id in the body',
      basic('basic-app', 'basic-secret'),
      { client_id: 'post-app' },
      '400 invalid_request',
    ],
    [
      'basic with a secret in the body as well',
      basic('basic-app', 'basic-secret'),
      { client_secret: 'basic-secret' },
      '400 invalid_request',
    ],
    [
      'basic sent in the body',
      undefined,
      { client_id: 'basic-app', client_secret: 'basic-secret' },
      '401 invalid_client',
    ],
    // Ids and secrets in Basic are form-encoded before base64 (RFC 6749 §2.3.1).
    ['a form-encoded Basic id and secret', basic('odd+id%3A%2B%25', 'odd+secret%3A%2B'), {}, 'odd id:+%'],
    [
      'a Basic id that is not form-encoded',
      basic('odd id:+%', 'odd secret:+'),
      {},
      '401 invalid_client Basic realm="device"',
    ],
    [
      'a Basic credential with bad percent-encoding',
      basic('%E0%A4%A', 'x'),
      {},
      '401 invalid_client Basic realm="device"',
    ],
    [
      'a Basic secret with bad percent-encoding',
      basic('basic-app', '%zz'),
      {},
      '401 invalid_client Basic realm="device"',
    ],
    [
      'a Basic credential without a colon',
      `Basic ${Buffer.from('basic-app').toString('base64')}`,
      {},
      '401 invalid_client Basic realm="device"',
    ],
    ['a Basic header that is not base64', 'Basic !!!', {}, '401 invalid_client Basic realm="device"'],
    [
      'Basic followed by junk',
      `${basic('basic-app', 'basic-secret')} extra`,
      {},
      '401 invalid_client Basic realm="device"',
    ],
    // Unknown or absent clients.
    ['an unknown client', undefined, { client_id: 'nobody' }, '401 invalid_client'],
    ['no client at all', undefined, {}, '401 invalid_client'],
    ['no body at all', undefined, undefined, '401 invalid_client'],
    ['an unknown Basic client', basic('nobody', 'x'), {}, '401 invalid_client Basic realm="device"'],
    ['another scheme', 'Bearer abc', { client_id: 'tv-app' }, 'tv-app'],
    // Only a header that starts with the Basic scheme is read as Basic credentials (and draws the challenge).
    ['a scheme ending in Basic', `X${basic('basic-app', 'basic-secret')}`, { client_id: 'tv-app' }, 'tv-app'],
    [
      'Basic with two spaces before the credentials',
      basic('basic-app', 'basic-secret').replace(' ', '  '),
      {},
      'basic-app',
    ],
    ['a scheme ending in Basic, no client', `X${basic('basic-app', 'basic-secret')}`, {}, '401 invalid_client'],
    ['Basic with whitespace after the credentials', `${basic('basic-app', 'basic-secret')} \t`, {}, 'basic-app'],
    // A Basic credential without a colon is no credential: the body's client counts, as without the header.
    [
      'a Basic credential without a colon, and a body client',
      `Basic ${Buffer.from('tv-appX').toString('base64')}`,
      { client_id: 'tv-app' },
      'tv-app',
    ],
    // So is one whose id cannot be form-decoded, even when its secret can.
    [
      'a Basic id with bad percent-encoding, and a body client',
      basic('%E0%A4%A', 'x'),
      { client_id: 'tv-app' },
      'tv-app',
    ],
    // An empty id in Basic is still Basic credentials: the body may not name another client.
    ['a Basic credential with an empty id', basic('', ''), { client_id: 'tv-app' }, '400 invalid_request'],
  ])('%s → %s', (_what, authorization, body, expected) => {
    expect(outcome(authorization, body)).toBe(expected);
  });

  it('says why a Basic client naming another client_id in the body is refused', () => {
    expect(() =>
      authenticateDeviceClient(config, basic('basic-app', 'basic-secret'), { client_id: 'post-app' }),
    ).toThrow(/client_id in the body differs/);
    expect(() =>
      authenticateDeviceClient(config, basic('basic-app', 'basic-secret'), { client_secret: 'basic-secret' }),
    ).toThrow('Send the client secret one way only: in the Authorization header or in the body.');
  });
});

describe('formField', () => {
  it('reads one text value, and takes an empty or absent one as absent', () => {
    expect(formField({ a: 'x' }, 'a')).toBe('x');
    expect(formField({ a: '' }, 'a')).toBeUndefined();
    expect(formField({}, 'a')).toBeUndefined();
    expect(formField(undefined, 'a')).toBeUndefined();
    expect(formField('a=x', 'a')).toBeUndefined();
    expect(formField(null, 'a')).toBeUndefined();
    // A body that is not an object has no fields, not even its own properties.
    expect(formField('text', 'length')).toBeUndefined();
  });

  it.each([[['x', 'y']], [42], [{ nested: 'x' }]])('refuses %j as invalid_request (400)', (value) => {
    let refusal: unknown;
    try {
      formField({ a: value }, 'a');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(QrLoginDeviceGrantException);
    expect(refusal).toMatchObject({ code: 'invalid_request' });
    expect((refusal as Error).message).toContain('"a" must be sent once, as text (application/x-www-form-urlencoded).');
    expect((refusal as QrLoginDeviceGrantException).getStatus()).toBe(400);
  });
});
