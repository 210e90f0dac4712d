import { qrErrors } from './qr-login.errors';

/** Limits on the JSON a caller may store with a code (`customData`, `context`). @internal */
export interface JsonLimits {
  /** Largest JSON, in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest nesting, leaves included (`{ "a": 1 }` is 2 levels). */
  maxDepth: number;
}

/**
 * Whether a JSON value nests deeper than `limit` (the value is level 1, each
 * object or array adds one, and a leaf counts as a level), measured without
 * recursion and without looking deeper than `limit + 1`: a body nested thousands of levels deep is
 * measured in constant stack, before anything else (validation, transformation,
 * `JSON.stringify`) walks it recursively.
 * @internal
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (node === null || typeof node !== 'object') continue;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Refuses `customData` / `context` that is nested too deep (400
 * `QR_VALIDATION_FAILED`) or too large (413 `QR_PAYLOAD_TOO_LARGE`). Depth is
 * checked first, so the size check never serializes a pathological value.
 * @internal
 */
export function checkJsonLimits(field: string, value: unknown, limits: JsonLimits): void {
  if (value === undefined || value === null) return;
  if (jsonDepthExceeds(value, limits.maxDepth)) {
    throw qrErrors.validation(
      `"${field}" is nested deeper than ${limits.maxDepth} levels; flatten it or raise maxCustomDataDepth.`,
    );
  }
  if (Buffer.byteLength(JSON.stringify(value)) > limits.maxBytes)
    throw qrErrors.payloadTooLarge(field, limits.maxBytes);
}
