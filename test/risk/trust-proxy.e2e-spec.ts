import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from '../app/test-app';
import { request } from '../support/http';
import { networkKeyOf } from '../../lib/risk/requester-network';
import { startWhoAmIApp } from './trust-proxy.app';

const whoami = async (url: string, forwardedFor?: string) =>
  (await request<{ ip: string }>(`${url}/whoami`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} }))
    .body.ip;

describe.each(ADAPTERS)('behind a reverse proxy on %s', (adapter) => {
  let trusting: { app: INestApplication; url: string };
  let plain: { app: INestApplication; url: string };

  beforeAll(async () => {
    trusting = await startWhoAmIApp(adapter, true);
    plain = await startWhoAmIApp(adapter, false);
  });
  afterAll(async () => {
    await trusting?.app.close();
    await plain?.app.close();
  });

  it('reports the forwarded client address when the proxy on loopback is trusted', async () => {
    expect(await whoami(trusting.url, '81.2.69.160')).toBe('81.2.69.160');
    expect(await whoami(trusting.url, '2001:db8:1:2::7')).toBe('2001:db8:1:2::7');
  });

  it('takes the address the trusted proxy saw, not one the client wrote in front of it', async () => {
    // The client sent "X-Forwarded-For: 203.0.113.66"; the proxy appended the address it saw.
    expect(await whoami(trusting.url, '203.0.113.66, 133.1.1.1')).toBe('133.1.1.1');
  });

  it('without trust proxy, every client is the proxy itself, so per-IP limits would count them all as one', async () => {
    const seen = await whoami(plain.url, '81.2.69.160');
    expect(seen).not.toBe('81.2.69.160');
    expect(networkKeyOf(seen)).toBe('127.0.0.1');
    expect(await whoami(plain.url, '133.1.1.1')).toBe(seen);
  });

  it('still answers the socket address when no proxy header is present', async () => {
    expect(networkKeyOf(await whoami(trusting.url))).toBe('127.0.0.1');
  });
});
