/**
 * The instruments `QrLoginTelemetry` records, by name (see docs/telemetry.md).
 * Durations are in seconds (`unit: 's'`), as OpenTelemetry's conventions ask.
 */
export const QR_LOGIN_METRICS = {
  /** Counter: codes created. Attributes: flow, store. */
  codesCreated: 'qr_login.codes.created',
  /** Counter: every change of a code after creation. Attributes: transition, flow, store, `error.type` for a cancel with a reason. */
  transitions: 'qr_login.transitions',
  /** Counter: every refused action. Attributes: action, `error.type` (the stable code), flow, store. */
  refusals: 'qr_login.refusals',
  /** Histogram, s: from creation to scan. */
  scanDuration: 'qr_login.scan.duration',
  /** Histogram, s: from scan to approval. */
  approvalDuration: 'qr_login.approval.duration',
  /** Histogram, s: from approval to the ticket's redemption. */
  redeemDuration: 'qr_login.redeem.duration',
  /** Observable gauge: status subscriptions open in this process (SSE streams among them). */
  streamsOpen: 'qr_login.streams.open',
  /** Observable gauge: codes the store holds, for stores that can tell (the memory store). */
  codesLive: 'qr_login.codes.live',
} as const;

/**
 * The spans, by name: one per kernel action (from its start to its end), one
 * per status stream (its whole life) and one per store call, a child of the
 * action that made it. See docs/telemetry.md for their attributes.
 */
export const QR_LOGIN_SPANS = {
  create: 'qr_login.create',
  scan: 'qr_login.scan',
  confirm: 'qr_login.confirm',
  cancel: 'qr_login.cancel',
  redeem: 'qr_login.redeem',
  /** A status read: a page's poll, a plugin's read, the device grant's paced token poll. */
  poll: 'qr_login.poll',
  /** A status stream, from its subscription (open) to its end (close). */
  stream: 'qr_login.stream',
  /** Store calls are `qr_login.store.<method>` (`qr_login.store.get`, `qr_login.store.compareAndSet`, …). */
  storePrefix: 'qr_login.store.',
} as const;

/** The meter's and tracer's instrumentation scope name. */
export const QR_LOGIN_INSTRUMENTATION_SCOPE = 'nestjs-qr-login';

/** Bucket bounds of the duration histograms, in s: a person scans and approves in seconds, a page redeems at once. */
export const QR_LOGIN_DURATION_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
