import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsersService } from '../../sample/auth/users.service';
import { findClientDir, findPublicDir, PublicAssets } from '../../sample/pages/public-assets';
import { readSampleEnv } from '../../sample/sample.env';
import { storeFromEnv, storeLabel } from '../../sample/sample.store';
import { RedisQrLoginStore } from '../../lib/stores/redis';
import { PostgresQrLoginStore } from '../../lib/stores/postgres';

describe('readSampleEnv', () => {
  it('defaults to Express on port 3000 with a localhost public URL, number matching on, no places, no proxy', () => {
    expect(readSampleEnv({})).toEqual({
      adapter: 'express',
      port: 3000,
      host: undefined,
      publicUrl: 'http://localhost:3000',
      jwtSecret: undefined,
      numberMatching: true,
      geoDatabases: [],
      trustProxy: undefined,
      rateLimit: true,
    });
  });

  it('reads PORT, HTTP_ADAPTER, HOST, PUBLIC_URL and JWT_SECRET', () => {
    expect(
      readSampleEnv({
        PORT: '8080',
        HTTP_ADAPTER: 'Fastify',
        HOST: '0.0.0.0',
        PUBLIC_URL: 'https://qr.example.com/',
        JWT_SECRET: 's3cret',
        NUMBER_MATCHING: 'false',
        GEO_DB: ' city-ipv4.mmdb , city-ipv6.mmdb ',
        TRUST_PROXY: 'loopback',
        RATE_LIMIT: 'off',
      }),
    ).toEqual({
      adapter: 'fastify',
      port: 8080,
      host: '0.0.0.0',
      publicUrl: 'https://qr.example.com',
      jwtSecret: 's3cret',
      numberMatching: false,
      geoDatabases: ['city-ipv4.mmdb', 'city-ipv6.mmdb'],
      trustProxy: 'loopback',
      rateLimit: false,
    });
  });

  it.each([
    ['on', true],
    ['true', true],
    ['OFF', false],
    ['0', false],
  ])('reads RATE_LIMIT=%s', (value, on) => {
    expect(readSampleEnv({ RATE_LIMIT: value }).rateLimit).toBe(on);
  });

  it('refuses a RATE_LIMIT it does not know, saying which values work', () => {
    expect(() => readSampleEnv({ RATE_LIMIT: 'sometimes' })).toThrow(/RATE_LIMIT must be "on" or "off"/);
  });

  it('derives the default public URL from PORT', () => {
    expect(readSampleEnv({ PORT: '4123' }).publicUrl).toBe('http://localhost:4123');
  });

  it.each([['abc'], ['-1'], ['70000'], ['30.5']])('refuses PORT=%s', (port) => {
    expect(() => readSampleEnv({ PORT: port })).toThrow(/PORT must be a port number/);
  });

  it('refuses an unknown adapter', () => {
    expect(() => readSampleEnv({ HTTP_ADAPTER: 'koa' })).toThrow(
      'HTTP_ADAPTER must be "express" or "fastify"; got "koa".',
    );
  });

  it.each([
    ['1', true],
    ['ON', true],
    ['false', false],
    ['0', false],
    ['off', false],
    ['', true],
  ])('reads NUMBER_MATCHING=%s', (text, on) => {
    expect(readSampleEnv({ NUMBER_MATCHING: text }).numberMatching).toBe(on);
  });

  it('refuses a NUMBER_MATCHING that is not a yes or a no', () => {
    expect(() => readSampleEnv({ NUMBER_MATCHING: 'maybe' })).toThrow(
      'NUMBER_MATCHING must be "true" or "false"; got "maybe".',
    );
  });

  it.each([
    ['true', true],
    ['false', undefined],
    ['', undefined],
    ['loopback, 10.0.0.0/8', 'loopback, 10.0.0.0/8'],
    ['::1', '::1'],
  ])('reads TRUST_PROXY=%s', (text, trust) => {
    expect(readSampleEnv({ TRUST_PROXY: text }).trustProxy).toBe(trust);
  });

  it.each([['2'], ['*']])('refuses TRUST_PROXY=%s with what it takes', (text) => {
    expect(() => readSampleEnv({ TRUST_PROXY: text })).toThrow(
      /TRUST_PROXY must be true, or the proxies' addresses\/subnets/,
    );
  });

  it('refuses a PUBLIC_URL that is not an http(s) origin', () => {
    expect(() => readSampleEnv({ PUBLIC_URL: 'qr.example.com' })).toThrow(/PUBLIC_URL must be an http\(s\) origin/);
  });
});

describe('storeFromEnv', () => {
  it('leaves the store to the module default without REDIS_URL or DATABASE_URL', () => {
    expect(storeFromEnv({})).toBeUndefined();
    expect(storeFromEnv({ REDIS_URL: '  ', DATABASE_URL: ' ' })).toBeUndefined();
  });

  it('puts the codes in Redis when REDIS_URL is set', async () => {
    const store = storeFromEnv({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(store).toBeInstanceOf(RedisQrLoginStore);
    await store!.close!();
  });

  it('puts the codes in PostgreSQL when DATABASE_URL is set', async () => {
    const store = storeFromEnv({ DATABASE_URL: ' postgres://qr@127.0.0.1:1/qr ', REDIS_URL: '' });
    expect(store).toBeInstanceOf(PostgresQrLoginStore);
    expect(storeLabel(store)).toBe('PostgreSQL');
    await store!.close!();
  });

  it('refuses REDIS_URL and DATABASE_URL together, the codes living in one store', () => {
    expect(() => storeFromEnv({ REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://127.0.0.1:1/qr' })).toThrow(
      'Set REDIS_URL or DATABASE_URL, not both',
    );
  });

  it('names the store for the start-up line', async () => {
    expect(storeLabel(undefined)).toBe('in-memory');
    const redis = storeFromEnv({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(storeLabel(redis)).toBe('Redis');
    await redis!.close!();
  });
});

describe('findPublicDir', () => {
  let scratch: string | undefined;

  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('finds the repository copy from the sources and from the compiled output', () => {
    scratch = mkdtempSync(join(tmpdir(), 'qr-sample-'));
    const publicDir = join(scratch, 'sample', 'public');
    mkdirSync(publicDir, { recursive: true });
    writeFileSync(join(publicDir, 'index.html'), '<!doctype html>');
    const compiled = join(scratch, 'dist', 'sample', 'pages');
    mkdirSync(compiled, { recursive: true });
    mkdirSync(join(scratch, 'sample', 'pages'));

    expect(findPublicDir([join(scratch, 'sample', 'pages')])).toBe(publicDir);
    expect(findPublicDir([compiled])).toBe(publicDir);
    expect(findPublicDir([scratch])).toBe(publicDir);
  });

  it('says where it looked when the pages are missing', () => {
    scratch = mkdtempSync(join(tmpdir(), 'qr-sample-'));
    expect(() => findPublicDir([scratch!])).toThrow(/sample\/public\/index\.html/);
  });

  it('resolves this repository’s pages by default', () => {
    expect(findPublicDir()).toBe(resolve(__dirname, '../../sample/public'));
  });
});

describe('findClientDir', () => {
  let scratch: string | undefined;

  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  it('finds dist/client from the sources and from the compiled output', () => {
    scratch = mkdtempSync(join(tmpdir(), 'qr-sample-'));
    const clientDir = join(scratch, 'dist', 'client');
    mkdirSync(clientDir, { recursive: true });
    writeFileSync(join(clientDir, 'index.mjs'), 'export {};');
    mkdirSync(join(scratch, 'dist', 'sample', 'pages'), { recursive: true });
    mkdirSync(join(scratch, 'sample', 'pages'), { recursive: true });

    expect(findClientDir([join(scratch, 'sample', 'pages')])).toBe(clientDir);
    expect(findClientDir([join(scratch, 'dist', 'sample', 'pages')])).toBe(clientDir);
  });

  it('answers undefined when the client is not built', () => {
    scratch = mkdtempSync(join(tmpdir(), 'qr-sample-'));
    expect(findClientDir([scratch])).toBeUndefined();
  });
});

describe('PublicAssets', () => {
  let scratch: string | undefined;

  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    scratch = undefined;
  });

  /** A stand-in for a built client: what load() reads is the folder, not the build. */
  function fakeClient(): string {
    scratch = mkdtempSync(join(tmpdir(), 'qr-client-'));
    writeFileSync(join(scratch, 'index.mjs'), "export * from './qr-login-client.mjs';");
    writeFileSync(join(scratch, 'qr-login-client.mjs'), 'export const startQrLogin = () => {};');
    writeFileSync(join(scratch, 'index.mjs.map'), '{}');
    writeFileSync(join(scratch, 'index.d.mts'), 'export {};');
    return scratch;
  }

  it('holds the pages, their assets and the client with their content types', () => {
    const assets = PublicAssets.load({ clientDir: fakeClient() });
    expect(assets.names().sort()).toEqual([
      'client/index.mjs',
      'client/index.mjs.map',
      'client/qr-login-client.mjs',
      'device.html',
      'device.js',
      'index.html',
      'index.js',
      'me.html',
      'me.js',
      'phone.html',
      'phone.js',
      'style.css',
    ]);
    expect(assets.clientDir).toBe(scratch);
    expect(assets.get('index.html')?.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('phone.js')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('client/index.mjs')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('client/index.mjs.map')?.contentType).toBe('application/json; charset=utf-8');
    expect(assets.get('style.css')?.contentType).toBe('text/css; charset=utf-8');
    expect(assets.get('../package.json')).toBeUndefined();
  });

  it('serves the app client under client/app/ when the build has it', () => {
    const dir = fakeClient();
    mkdirSync(join(dir, 'app'));
    writeFileSync(join(dir, 'app', 'index.mjs'), 'export const createQrLoginAppClient = () => {};');
    const assets = PublicAssets.load({ clientDir: dir });
    expect(assets.get('client/app/index.mjs')?.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('client/app/index.mjs')?.body).toContain('createQrLoginAppClient');
  });

  it('refuses a client folder without the client', () => {
    scratch = mkdtempSync(join(tmpdir(), 'qr-client-'));
    expect(() => PublicAssets.load({ clientDir: scratch })).toThrow(/No index\.mjs in .*npm run build:client/);
  });

  it('has the pages import the client from where it is served', () => {
    const assets = PublicAssets.load({ clientDir: fakeClient() });
    const imports = (name: string) =>
      [...assets.get(name)!.body.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
    expect(imports('index.js')).toEqual(['/assets/client/index.mjs']);
    expect(imports('phone.js')).toEqual(['/assets/client/app/index.mjs']);
    for (const page of ['index.html', 'phone.html'])
      expect(assets.get(page)!.body).toMatch(/<script type="module" src="\/assets\/\w+\.js">/);
  });

  it('gives the ids browser tests drive', () => {
    const assets = PublicAssets.load({ clientDir: fakeClient() });
    const ids = (name: string) => [...assets.get(name)!.body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids('index.html')).toEqual(expect.arrayContaining(['qr', 'payload', 'transport', 'page-error']));
    // The code, its status, who scanned and the refresh button live inside the package's element.
    expect(assets.get('index.html')!.body).toMatch(/<qr-login-code id="qr"[ >]/);
    expect(ids('phone.html')).toEqual(
      expect.arrayContaining([
        'username',
        'password',
        'login-btn',
        'code',
        'scan-btn',
        'confirm-btn',
        'cancel-btn',
        'requester',
        'risk',
        'risk-flags',
        'match',
        'match-choices',
        'status',
        'error',
      ]),
    );
    expect(ids('me.html')).toContain('who');
    for (const name of ['index.html', 'phone.html', 'me.html']) {
      const all = ids(name);
      expect(new Set(all).size, `duplicate id in ${name}`).toBe(all.length);
      // Every id a script looks up exists on its page.
      const script = assets.get(name.replace('.html', '.js'))!.body;
      const lookups = [...script.matchAll(/\$\('([^']+)'\)/g)].map((m) => m[1]);
      expect(lookups.length, `${name} script`).toBeGreaterThan(2);
      for (const id of lookups) expect(all, `${name} lacks #${id}`).toContain(id);
    }
  });

  it('labels every input of the phone page', () => {
    const html = PublicAssets.load({ clientDir: fakeClient() }).get('phone.html')!.body;
    for (const [, id] of html.matchAll(/<input id="([^"]+)"/g)) expect(html).toContain(`<label for="${id}">`);
  });
});

describe('UsersService', () => {
  const users = new UsersService();

  it('checks passwords', () => {
    expect(users.verifyPassword('alice', 'wonderland')).toEqual({
      id: 'u-alice',
      username: 'alice',
      displayName: 'Alice Liddell',
    });
    expect(users.verifyPassword('bob', 'builder')?.displayName).toBe('Bob the Builder');
    expect(users.verifyPassword('alice', 'builder')).toBeUndefined();
    expect(users.verifyPassword('alice', '')).toBeUndefined();
    expect(users.verifyPassword('nobody', '')).toBeUndefined();
  });

  it('draws an inline SVG avatar with the initial', () => {
    const avatar = users.avatarOf(users.findById('u-bob')!);
    expect(avatar.startsWith('data:image/svg+xml;charset=utf-8,')).toBe(true);
    const svg = decodeURIComponent(avatar.slice(avatar.indexOf(',') + 1));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('>B</text>');
  });

  it('escapes an initial that is markup', () => {
    const svg = decodeURIComponent(users.avatarOf({ id: 'x', username: 'x', displayName: '<script>' }).split(',')[1]);
    expect(svg).toContain('>&#60;</text>');
    expect(svg).not.toContain('<script');
  });
});
