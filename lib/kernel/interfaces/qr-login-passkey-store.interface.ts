/** One registered passkey of an app user, as a `QrLoginPasskeyStore` keeps it. Plain JSON. */
export interface QrLoginPasskeyCredential {
  /** The credential id, base64url. Unique across users. */
  id: string;
  /** The app user it belongs to (`getUserId`). */
  userId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter of the last accepted assertion (0 for authenticators that keep none). */
  counter: number;
  /** Transports the authenticator said it supports (`internal`, `hybrid`, …), for the phone's options. */
  transports?: string[];
  /** When it was registered, ms since the epoch. */
  createdAt: number;
}

/**
 * Where passkeys are kept: memory (one process), Redis or PostgreSQL (shared
 * by instances), or the app's own table. Five calls, each one step.
 */
export interface QrLoginPasskeyStore {
  /** Adds a credential; false, changing nothing, when its id is registered already. */
  add(credential: QrLoginPasskeyCredential): Promise<boolean>;
  /** The user's credentials, oldest first (empty when none). */
  listByUser(userId: string): Promise<QrLoginPasskeyCredential[]>;
  /** The credential with this id, or null. */
  get(id: string): Promise<QrLoginPasskeyCredential | null>;
  /**
   * Moves the stored counter to `counter` only if it is still `expected`, as
   * one step: false when another approval moved it first (the caller refuses
   * then), so two instances cannot both accept one counter value.
   */
  updateCounter(id: string, expected: number, counter: number): Promise<boolean>;
  /**
   * Forgets a credential, so it approves nothing more: how an app takes back a
   * lost phone's passkey (after its own check of who asks). True when it was
   * there; false, changing nothing, when it was not.
   */
  remove(id: string): Promise<boolean>;
}
