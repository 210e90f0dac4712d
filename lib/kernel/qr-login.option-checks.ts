import { QrLoginConfigError } from './qr-login.errors';

/**
 * Shows a configuration value with its type, so `"90"` from an environment
 * variable does not read like the number 90 in a start-up error.
 * @internal
 */
export function describeConfigValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

/** A hint for a value that is a number written as a string (the usual `ConfigService.get()` result). @internal */
export function numericStringHint(value: unknown): string {
  return typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    ? ' Environment values are strings: convert it, e.g. Number(config.get("QR_TTL")) or config.get("QR_TTL", { infer: true }) with a validated schema.'
    : '';
}

/** Distance between two short names, to suggest the key that was meant. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const kept = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = kept;
    }
  }
  return row[b.length];
}

/**
 * The valid key closest to a misspelled one (case-insensitive, at most two edits, or a singular of a plural), if any.
 * @internal
 */
export function closestKey(key: string, valid: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of valid) {
    const other = candidate.toLowerCase();
    const stem = lower.length >= 4 && (other.startsWith(lower.slice(0, -1)) || lower.startsWith(other.slice(0, -1)));
    const distance = Math.min(editDistance(lower, other), stem ? 2 : Infinity);
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/**
 * Refuses keys the options do not have. A misspelled key in a `forRootAsync`
 * factory (`qrCodeTTL`) is otherwise silently ignored, since the factory's
 * result is not type-checked against the options.
 * @internal
 */
export function refuseUnknownKeys(
  where: string,
  given: object,
  valid: readonly string[],
  makeError: (message: string) => Error = (message) => new QrLoginConfigError(message),
): void {
  for (const key of Object.keys(given)) {
    if (valid.includes(key)) continue;
    const meant = closestKey(key, valid);
    const name = where ? `${where}.${key}` : key;
    throw makeError(
      `"${name}" is not an option${meant ? `; did you mean "${meant}"?` : '.'} The ${where ? `"${where}" ` : ''}options are ${valid.join(', ')}.`,
    );
  }
}
