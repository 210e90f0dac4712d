import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';

/** A user as the rest of the app sees it: what `req.user` and `GET /auth/me` hold. */
export interface SampleUser {
  id: string;
  username: string;
  displayName: string;
}

interface DemoAccount extends SampleUser {
  password: string;
  /** Background of the generated avatar. */
  color: string;
}

// A real app keeps slow password hashes in a database; the demo's passwords
// are printed on its pages anyway.
const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  { id: 'u-alice', username: 'alice', password: 'wonderland', displayName: 'Alice Liddell', color: '#7c3aed' },
  { id: 'u-bob', username: 'bob', password: 'builder', displayName: 'Bob the Builder', color: '#d97706' },
];

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function toUser(account: DemoAccount): SampleUser {
  return { id: account.id, username: account.username, displayName: account.displayName };
}

/** The demo users, alice and bob. */
@Injectable()
export class UsersService {
  findById(id: string): SampleUser | undefined {
    const account = DEMO_ACCOUNTS.find((a) => a.id === id);
    return account && toUser(account);
  }

  /** The user whose username and password match, or undefined. */
  verifyPassword(username: string, password: string): SampleUser | undefined {
    const account = DEMO_ACCOUNTS.find((a) => a.username === username);
    // Fixed-length digests keep the comparison's time independent of the guess.
    const expected = digest(account?.password ?? '');
    const matches = timingSafeEqual(digest(password), expected);
    return account && matches ? toUser(account) : undefined;
  }

  /**
   * An inline SVG avatar with the user's initial: the web page shows it when
   * the user scans, and a data URL needs no image host.
   */
  avatarOf(user: SampleUser): string {
    const color = DEMO_ACCOUNTS.find((a) => a.id === user.id)?.color ?? '#475569';
    const initial = escapeXml((user.displayName.trim()[0] ?? '?').toUpperCase());
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">` +
      `<circle cx="48" cy="48" r="48" fill="${color}"/>` +
      `<text x="48" y="64" font-family="system-ui,sans-serif" font-size="46" font-weight="600" fill="#fff" text-anchor="middle">${initial}</text>` +
      `</svg>`;
    return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  }
}
