import type { Cluster, Redis } from 'ioredis';
import { QrLoginConfigError, QrLoginStoreUnavailableError } from '../../kernel/qr-login.errors';
import type {
  QrLoginPasskeyCredential,
  QrLoginPasskeyStore,
} from '../../kernel/interfaces/qr-login-passkey-store.interface';

/** Options of `RedisQrLoginPasskeyStore`. */
export interface RedisQrLoginPasskeyStoreOptions {
  /** A ready ioredis client, e.g. the `client` of the app's `RedisQrLoginStore`; the store never closes it. */
  client: Redis | Cluster;
  /** First part of every key; must not contain `{` or `}`. Default `'qr-login'`. */
  keyPrefix?: string;
}

/**
 * Compares the stored counter and moves it, as one step: 1 when moved, 0 when
 * another approval moved it first or the credential is gone. One key, so it
 * runs on a Redis Cluster too.
 */
const UPDATE_COUNTER = `
local stored = redis.call('GET', KEYS[1])
if not stored then return 0 end
local credential = cjson.decode(stored)
if tonumber(credential.counter) ~= tonumber(ARGV[1]) then return 0 end
credential.counter = tonumber(ARGV[2])
redis.call('SET', KEYS[1], cjson.encode(credential))
return 1
`;

/**
 * Passkeys in Redis, shared by every instance on the same server or cluster:
 * each credential is one JSON value under its id (so a credential is
 * registered once, by `SET NX`), and each user has a set of their ids.
 * Credentials do not expire: `remove` them (a lost phone's) or with the user.
 */
export class RedisQrLoginPasskeyStore implements QrLoginPasskeyStore {
  private readonly client: Redis | Cluster;
  private readonly prefix: string;

  constructor(options: RedisQrLoginPasskeyStoreOptions) {
    if (!options?.client)
      throw new QrLoginConfigError('RedisQrLoginPasskeyStore needs "client": a ready ioredis client.');
    const prefix = options.keyPrefix ?? 'qr-login';
    if (/[{}]/.test(prefix))
      throw new QrLoginConfigError('RedisQrLoginPasskeyStore "keyPrefix" must not contain { or }.');
    this.client = options.client;
    this.prefix = prefix;
  }

  /** Hash tags keep each key in its own slot: every command here touches one key. */
  private credentialKey(id: string): string {
    return `${this.prefix}:passkey:{${id}}`;
  }

  private userKey(userId: string): string {
    return `${this.prefix}:passkeys-of:{${userId}}`;
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new QrLoginStoreUnavailableError(`Redis passkey store: ${(error as Error).message}`, { cause: error });
    }
  }

  async add(credential: QrLoginPasskeyCredential): Promise<boolean> {
    const written = await this.call(() =>
      this.client.set(this.credentialKey(credential.id), JSON.stringify(credential), 'NX'),
    );
    if (written !== 'OK') return false;
    await this.call(() => this.client.sadd(this.userKey(credential.userId), credential.id));
    return true;
  }

  async listByUser(userId: string): Promise<QrLoginPasskeyCredential[]> {
    const ids = await this.call(() => this.client.smembers(this.userKey(userId)));
    const found = await Promise.all(ids.map((id) => this.get(id)));
    return found
      .filter((credential): credential is QrLoginPasskeyCredential => credential?.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  async get(id: string): Promise<QrLoginPasskeyCredential | null> {
    const stored = await this.call(() => this.client.get(this.credentialKey(id)));
    return stored ? (JSON.parse(stored) as QrLoginPasskeyCredential) : null;
  }

  async updateCounter(id: string, expected: number, counter: number): Promise<boolean> {
    const moved = await this.call(() =>
      this.client.eval(UPDATE_COUNTER, 1, this.credentialKey(id), String(expected), String(counter)),
    );
    return moved === 1;
  }

  /**
   * Deletes the credential, then its id from the user's set: two keys in two
   * slots, so two commands. Should the second never run, the set keeps an id
   * whose credential is gone, which `listByUser` passes over.
   */
  async remove(id: string): Promise<boolean> {
    const credential = await this.get(id);
    if (!credential) return false;
    const deleted = await this.call(() => this.client.del(this.credentialKey(id)));
    await this.call(() => this.client.srem(this.userKey(credential.userId), id));
    return deleted === 1;
  }
}
