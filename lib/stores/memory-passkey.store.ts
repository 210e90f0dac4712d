import type {
  QrLoginPasskeyCredential,
  QrLoginPasskeyStore,
} from '../kernel/interfaces/qr-login-passkey-store.interface';

/**
 * Passkeys in this process's memory: for one instance, tests and trials.
 * Lost on restart (the users then register again); instances behind a load
 * balancer need the Redis or PostgreSQL store, or the app's own.
 */
export class MemoryQrLoginPasskeyStore implements QrLoginPasskeyStore {
  private readonly byId = new Map<string, QrLoginPasskeyCredential>();

  async add(credential: QrLoginPasskeyCredential): Promise<boolean> {
    if (this.byId.has(credential.id)) return false;
    this.byId.set(credential.id, structuredClone(credential));
    return true;
  }

  async listByUser(userId: string): Promise<QrLoginPasskeyCredential[]> {
    return [...this.byId.values()]
      .filter((credential) => credential.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((credential) => structuredClone(credential));
  }

  async get(id: string): Promise<QrLoginPasskeyCredential | null> {
    const credential = this.byId.get(id);
    return credential ? structuredClone(credential) : null;
  }

  async updateCounter(id: string, expected: number, counter: number): Promise<boolean> {
    const credential = this.byId.get(id);
    if (!credential || credential.counter !== expected) return false;
    credential.counter = counter;
    return true;
  }

  async remove(id: string): Promise<boolean> {
    return this.byId.delete(id);
  }
}
