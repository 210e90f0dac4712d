import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import {
  Injectable,
  SetMetadata,
  type CanActivate,
  type DynamicModule,
  type ExecutionContext,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isQrLoginController, QrLoginModule, type QrLoginStore } from '../../lib';
import { ADAPTERS, fixtureOptions, type AdapterName } from '../app/test-app';
import { asUser, nativeClient, request } from '../support/http';
import { openSse } from '../support/sse';
import { STORE_KINDS } from '../support/stores';
import { readmeBlocks } from './markdown-blocks';

/*
 * The example plugin of docs/plugins.md ("Write a plugin"), taken from the page
 * as written and driven over real HTTP: a magic link asked for by a browser,
 * mailed, approved by the signed-in app user with a POST, redeemed by the
 * browser on the module's native /login.
 */

const root = join(__dirname, '..', '..');
/** The page's blocks that make up the plugin, in the order they are written. */
const PLUGIN_FILES = ['magic-link.controller.ts', 'magic-link.module.ts'];
/** What the example may import: the two public entries, Nest, and its own files. */
const ALLOWED_IMPORTS = ['nestjs-qr-login', 'nestjs-qr-login/plugin', '@nestjs/common'];
/** Marks the routes the app's global guard lets through, as `routeDecorators` of both modules. */
const PUBLIC = 'example:public';

interface MagicLinkExample {
  MagicLinkModule: { forRoot(options: Record<string, unknown>): DynamicModule };
  MagicLinkMailer: abstract new () => { send(to: string, link: string): Promise<void> };
}

/** The plugin's blocks as files under test/docs/.generated, with the package's entries pointed at lib/. */
function writeExample(): string {
  const blocks = readmeBlocks(readFileSync(join(root, 'docs', 'plugins.md'), 'utf8')).filter((block) =>
    PLUGIN_FILES.includes(block.file),
  );
  expect(blocks.map((block) => block.file)).toEqual(PLUGIN_FILES);
  const generated = join(__dirname, '.generated');
  mkdirSync(generated, { recursive: true });
  const dir = mkdtempSync(join(generated, 'magic-link-'));
  const lib = relative(dir, join(root, 'lib')).split(sep).join('/');
  for (const block of blocks) {
    const specifiers = [...block.code.matchAll(/from '([^']+)'/g)].map((match) => match[1]);
    for (const specifier of specifiers)
      expect(ALLOWED_IMPORTS.includes(specifier) || specifier.startsWith('./'), `${block.file}: ${specifier}`).toBe(
        true,
      );
    const code = block.code.replace(/from 'nestjs-qr-login(\/plugin)?'/g, (_, entry = '') => `from '${lib}${entry}'`);
    writeFileSync(join(dir, block.file), code);
  }
  return dir;
}

/** The app's global guard: only routes the module or a plugin mounted, carrying the app's route decorator. */
@Injectable()
class MountedRoutesOnly implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const controller = context.getClass();
    return isQrLoginController(controller) && Reflect.getMetadata(PUBLIC, controller) === true;
  }
}

interface Mail {
  to: string;
  link: string;
}

/** An app with QrLoginModule (number matching on) and the example plugin, on a free loopback port. */
async function boot(
  example: MagicLinkExample,
  adapter: AdapterName,
  store: QrLoginStore,
  outbox: Mail[],
): Promise<{ app: INestApplication; url: string }> {
  class CapturingMailer extends example.MagicLinkMailer {
    override async send(to: string, link: string): Promise<void> {
      outbox.push({ to, link });
    }
  }
  let url = '';
  const routeDecorators = [SetMetadata(PUBLIC, true)];
  const moduleRef = await Test.createTestingModule({
    imports: [
      QrLoginModule.forRoot({ ...fixtureOptions({ store, numberMatching: true }), routeDecorators }),
      example.MagicLinkModule.forRoot({
        mailer: CapturingMailer,
        linkTo: (qrcodeId: string) => `${url}/magic-link/${qrcodeId}`,
        routeDecorators,
      }),
    ],
    providers: [{ provide: APP_GUARD, useClass: MountedRoutesOnly }],
  }).compile();
  const app = moduleRef.createNestApplication(adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(), {
    logger: false,
    forceCloseConnections: true,
  });
  await app.listen(0, '127.0.0.1');
  url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url };
}

let exampleDir: string;
let example: MagicLinkExample;

beforeAll(async () => {
  exampleDir = writeExample();
  example = {
    ...(await import(join(exampleDir, 'magic-link.module.ts'))),
    ...(await import(join(exampleDir, 'magic-link.controller.ts'))),
  } as MagicLinkExample;
});

afterAll(() => rmSync(exampleDir, { recursive: true, force: true }));

describe.each(STORE_KINDS)('the magic-link plugin of docs/plugins.md over the $name store', (kind) => {
  beforeAll(() => kind.setup());
  afterAll(() => kind.teardown());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    const outbox: Mail[] = [];
    let app: INestApplication;
    let url: string;
    let api: ReturnType<typeof nativeClient>;

    beforeAll(async () => {
      ({ app, url } = await boot(example, adapter, kind.make(), outbox));
      api = nativeClient(url);
    });
    afterAll(() => app?.close());

    /** The browser asks for a link; answers what it got and the mail that went out. */
    async function requestLink(email: string) {
      const sent = outbox.length;
      const created = await request(`${url}/magic-link`, { json: { email } });
      expect(created.status).toBe(201);
      expect(outbox).toHaveLength(sent + 1);
      const body = created.body as { qrcodeId: string; creatorSecret: string; matchCode: string };
      return { created, body, creator: { 'x-qr-login-secret': body.creatorSecret }, mail: outbox[sent] };
    }

    it('mails the link; opening it approves nothing; the app user approves with POST; only the creator redeems', async () => {
      const { created, body, creator, mail } = await requestLink('ada@example.com');
      expect(mail).toEqual({ to: 'ada@example.com', link: `${url}/magic-link/${body.qrcodeId}` });
      expect(mail.link).not.toContain(body.creatorSecret);
      expect(body.matchCode).toMatch(/^\d+$/);
      const stream = await openSse(api.eventsUrl(body.qrcodeId), creator);
      await stream.waitForEvents(1);

      // Opening the link (a person, or a mail scanner following it) only reads.
      const opened = await request(mail.link);
      expect(opened.status).toBe(200);
      expect(opened.body).toMatchObject({ qrcodeId: body.qrcodeId, status: 'PENDING' });
      expect((await api.status(body.qrcodeId, creator)).body.status).toBe('PENDING');

      const approved = await request(mail.link, { json: { matchCode: body.matchCode }, headers: asUser('alice') });
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe('AUTHORIZED');
      expect(approved.body).not.toHaveProperty('ticket');

      // The browser's stream and its poll see AUTHORIZED with the ticket; a stranger's read has no ticket.
      await stream.ended;
      const last = JSON.parse(stream.events.at(-1)!.data) as { status: string; ticket?: string };
      expect(last.status).toBe('AUTHORIZED');
      // The creator cookie set on the plugin's route proves the browser on the native routes as well.
      const cookie = created.headers.get('set-cookie')!.split(';')[0];
      const polled = await api.status(body.qrcodeId, { cookie });
      expect(polled.body).toMatchObject({ status: 'AUTHORIZED', ticket: last.ticket });
      const seenByStranger = await api.status(body.qrcodeId);
      expect(seenByStranger.body.status).toBe('AUTHORIZED');
      expect(seenByStranger.body).not.toHaveProperty('ticket');

      // Holding the ticket is not enough: the code is bound to the browser that asked (and the try spends nothing).
      const stolen = await api.login(last.ticket);
      expect(stolen.status).toBe(401);
      expect(stolen.body.code).toBe('QR_CREATOR_SECRET_REQUIRED');
      const login = await api.login(last.ticket, creator);
      expect(login.status).toBe(200);
      expect(login.body).toMatchObject({ access_token: 'session-for-u-alice', user: { id: 'u-alice' } });
      expect((await api.login(last.ticket, creator)).body.code).toBe('QR_TICKET_USED');
    });

    it('refuses an approval without the app user (401 QR_APP_USER_UNAUTHENTICATED), the creator proof included', async () => {
      const { body, creator, mail } = await requestLink('bob@example.com');
      const attempts: Record<string, string>[] = [{}, creator, { authorization: 'Bearer not-an-app-token' }];
      for (const headers of attempts) {
        const refused = await request(mail.link, { json: { matchCode: body.matchCode }, headers });
        expect(refused.status).toBe(401);
        expect(refused.body.code).toBe('QR_APP_USER_UNAUTHENTICATED');
      }
      expect((await api.status(body.qrcodeId, creator)).body.status).toBe('PENDING');
    });

    it('holds number matching: a wrong number cancels the code and nothing can be redeemed', async () => {
      const { body, creator, mail } = await requestLink('eve@example.com');
      const wrong = String((Number(body.matchCode) + 1) % 100).padStart(body.matchCode.length, '0');
      const refused = await request(mail.link, { json: { matchCode: wrong }, headers: asUser('bob') });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('QR_MATCH_FAILED');
      const status = await api.status(body.qrcodeId, creator);
      expect(status.body.status).toBe('CANCELLED');
      expect(status.body).not.toHaveProperty('ticket');
    });

    it('answers a bad address with its own stable code and mails nothing', async () => {
      const sent = outbox.length;
      const refused = await request(`${url}/magic-link`, { json: { email: 'not an address' } });
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('MAGIC_LINK_EMAIL_INVALID');
      expect(outbox).toHaveLength(sent);
    });
  });
});
