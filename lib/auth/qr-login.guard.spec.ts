import { ForbiddenException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { qrErrors, QrLoginStoreUnavailableError } from '../kernel/qr-login.errors';
import { QrLoginException } from '../http/qr-login.exception';
import { QrLoginGuard } from './qr-login.guard';

/*
 * What `QrLoginGuard` makes of passport's answer: the strategy's error as an
 * HTTP answer with its code, no user as QR_TICKET_MISSING, a user as is.
 * (The whole way from a ticket to req.user is in qr-login.strategy.spec.ts.)
 */

const guard = new QrLoginGuard();

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('QrLoginGuard.handleRequest', () => {
  it('hands the user on', () => {
    const alice = { id: 'alice' };
    expect(guard.handleRequest(null, alice)).toBe(alice);
    expect(guard.handleRequest(undefined, 'alice')).toBe('alice');
  });

  it('answers a kernel refusal with its own code and status, even beside a user', () => {
    const expired = thrownBy(() => guard.handleRequest(qrErrors.ticketExpired(), { id: 'alice' }));
    expect(expired).toBeInstanceOf(QrLoginException);
    expect(expired).toMatchObject({ code: 'QR_TICKET_EXPIRED' });
    expect((expired as QrLoginException).getStatus()).toBe(401);
    const unavailable = thrownBy(() => guard.handleRequest(new QrLoginStoreUnavailableError('down'), undefined));
    expect((unavailable as QrLoginException).getStatus()).toBe(503);
    const forbidden = new ForbiddenException();
    expect(thrownBy(() => guard.handleRequest(forbidden, undefined))).toBe(forbidden);
  });

  it('answers no user as QR_TICKET_MISSING', () => {
    for (const user of [false, undefined, null, 0, '']) {
      const missing = thrownBy(() => guard.handleRequest(null, user));
      expect(missing).toBeInstanceOf(QrLoginException);
      expect(missing).toMatchObject({ code: 'QR_TICKET_MISSING' });
      expect((missing as QrLoginException).getStatus()).toBe(401);
    }
  });
});
