import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * `@opentelemetry/api` and `@nestjs/terminus` are optional peers: loading the
 * telemetry entry must not need them. Their types may be imported; the one
 * value is the global providers' API, required lazily when no provider is given.
 */
const sources = readdirSync(__dirname)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.spec.ts'))
  .map((name) => ({ name, text: readFileSync(join(__dirname, name), 'utf8') }));

const PEERS = /['"](@opentelemetry\/[\w-]+|@nestjs\/terminus)['"]/;

describe('the telemetry entry and its optional peers', () => {
  it('imports their types only, and requires @opentelemetry/api in one lazy loader', () => {
    const valueImports = sources.flatMap(({ name, text }) =>
      [...text.matchAll(/^(import|export)\s+(?!type\b)[^;]*?from\s+(['"][^'"]+['"])/gm)]
        .filter((match) => PEERS.test(match[2]))
        .map((match) => `${name}: ${match[0]}`),
    );
    expect(valueImports).toEqual([]);
    const requires = sources.flatMap(({ name, text }) =>
      [...text.matchAll(/\brequire\(\s*(['"][^'"]+['"])\s*\)/g)].map((match) => `${name}: ${match[1]}`),
    );
    expect(requires).toEqual(["telemetry.otel.ts: '@opentelemetry/api'"]);
    // The check reads the files that use the peers' types.
    expect(sources.filter(({ text }) => PEERS.test(text)).map(({ name }) => name)).toEqual(
      expect.arrayContaining(['qr-login.telemetry.ts', 'store-health.indicator.ts', 'telemetry.options.ts']),
    );
  });
});
