import { afterEach } from 'vitest';

/**
 * Registers an `afterEach` (in the suite or `describe` it is called in) that
 * closes everything handed to the returned function during the test, so a
 * spec's stores end their timers however the test ended. Returns what it is
 * given, for `const store = keep(new MemoryQrLoginStore())`.
 */
export function closedAfterEach<T extends { close(): Promise<unknown> }>(): <U extends T>(opened: U) => U {
  const open: T[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((item) => item.close()));
  });
  return (opened) => {
    open.push(opened);
    return opened;
  };
}
