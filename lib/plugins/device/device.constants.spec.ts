import { describe, expect, it } from 'vitest';
import { devicePrefixOf } from './device.constants';

/* The device routes' prefix: the module's `routePrefix` without slashes at either end, inner ones kept. */

describe('devicePrefixOf', () => {
  it.each<[string | undefined, string]>([
    [undefined, 'qr-login'],
    ['auth', 'auth'],
    ['/auth/', 'auth'],
    ['//auth//', 'auth'],
    ['/api/v1/login/', 'api/v1/login'],
    ['api//login', 'api//login'],
  ])('%j → %j', (prefix, expected) => {
    expect(devicePrefixOf(prefix)).toBe(expected);
  });
});
