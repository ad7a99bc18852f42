import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { envSchema } from '../../src/config/env-schema';

/**
 * Two examples: `.env.example` for a developer (copying it changes nothing from
 * running with no .env), `.env.production.example` for a server host. Both
 * explain every variable the server reads.
 */

const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
/** Variables named in a file, set or commented out ("# NAME=" lines count). */
const named = (text: string) => new Set([...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));

/** Every variable the server reads: the schema's keys, not a parse of its source. */
const serverVariables = (): string[] => Object.keys(envSchema.shape);

describe('.env examples', () => {
  it('lists every variable the server reads, in both files', () => {
    const variables = serverVariables();
    expect(variables.length).toBeGreaterThan(40);
    for (const file of ['.env.example', '.env.production.example']) {
      const inFile = named(read(file));
      expect(
        variables.filter((v) => !inFile.has(v)),
        file,
      ).toEqual([]);
    }
  });

  it('.env.example, copied as it is, is the development setup: no Redis, generated secrets', () => {
    const { config, generatedSecrets } = loadConfig(parseEnv(read('.env.example')));
    expect(config.env).toBe('development');
    expect(config.log.pretty).toBe(true);
    expect(config.redis.url).toBeUndefined();
    expect(config.storage.s3).toBeUndefined();
    expect(generatedSecrets.map((s) => s.name).sort()).toEqual(['ADMIN_API_KEY', 'JWT_SECRET']);
  });

  it('.env.production.example is production once its secrets are filled in, and refuses to start without them', () => {
    const env = parseEnv(read('.env.production.example'));
    expect(() => loadConfig(env)).toThrow(/JWT_SECRET/);
    const { config } = loadConfig({ ...env, JWT_SECRET: 'x'.repeat(48), ADMIN_API_KEY: 'y'.repeat(32) });
    expect(config.env).toBe('production');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
  });
});
