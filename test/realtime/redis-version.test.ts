import net from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { chooseAdapter, parseRedisVersion, readRedisVersion, withSupportedAdapter } from '../../src/realtime/redis-version';
import { freePort } from '../helpers/redis-server';
import { useTestRedis } from '../helpers/test-server';

const redis = useTestRedis();

/** A logger whose warnings the test can read. */
function recordingLogger() {
  const lines: Array<{ msg: string; redisVersion?: string; adapter?: string }> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { logger, lines };
}

describe('choosing the Socket.IO adapter for the Redis found at start', () => {
  it.each([
    ['7.0.15', 'sharded'],
    ['7.2.4', 'sharded'],
    ['8.0.0', 'sharded'],
    ['10.1.0', 'sharded'],
  ] as const)('keeps the sharded adapter on Redis %s', (version, mode) => {
    expect(chooseAdapter('sharded', version)).toEqual({ mode });
  });

  it.each(['6.0.16', '6.2.14', '5.0.7', 'garbage'])('falls back to classic on Redis %s, saying why and what to do', (version) => {
    const decision = chooseAdapter('sharded', version);
    expect(decision.mode).toBe('classic');
    expect(decision.warning).toContain(`Redis ${version} has no sharded pub/sub`);
    expect(decision.warning).toContain('REDIS_ADAPTER=classic');
  });

  it('keeps classic when configured, whatever the version', () => {
    expect(chooseAdapter('classic', '6.0.16')).toEqual({ mode: 'classic' });
    expect(chooseAdapter('classic', '7.2.0')).toEqual({ mode: 'classic' });
  });

  it('keeps the configured adapter when the version is unknown, with a warning naming the fix', () => {
    const decision = chooseAdapter('sharded', undefined);
    expect(decision.mode).toBe('sharded');
    expect(decision.warning).toContain('REDIS_ADAPTER=classic');
  });

  it('reads redis_version out of an INFO server answer', () => {
    const info = '# Server\r\nredis_version:6.0.16\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n';
    expect(parseRedisVersion(info)).toBe('6.0.16');
    expect(parseRedisVersion('# Server\r\nredis_mode:standalone\r\n')).toBeUndefined();
  });
});

describe('detecting the version of a real redis-server', () => {
  it('reads the version of the running server and keeps the sharded adapter on it', async () => {
    const version = await readRedisVersion({ url: redis().url });
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const config = testConfig({ REDIS_URL: redis().url });
    const { logger, lines } = recordingLogger();
    const effective = await withSupportedAdapter(config, logger);
    // The test machine runs Redis 7 or later.
    expect(Number.parseInt(version!, 10)).toBeGreaterThanOrEqual(7);
    expect(effective.redis.adapter).toBe('sharded');
    expect(lines).toEqual([]);
  });

  it('keeps the configured adapter and says Redis cannot be reached, where, and what to check, without a Redis 6 hint', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    expect(await readRedisVersion({ url }, 500)).toBeUndefined();
    const { logger, lines } = recordingLogger();
    const effective = await withSupportedAdapter(testConfig({ REDIS_URL: url }), logger);
    expect(effective.redis.adapter).toBe('sharded');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      adapter: 'sharded',
      msg: `Redis unreachable: connection refused at 127.0.0.1:${port}; check REDIS_URL`,
    });
    expect(JSON.stringify(lines[0])).not.toContain('Redis 6');
  });
});

/** Answers every command with a Redis 6 INFO: what an Ubuntu 22.04 redis-server reports. */
async function redis6Impostor(): Promise<{ url: string; close(): void }> {
  const info = '# Server\r\nredis_version:6.0.16\r\nloading:0\r\n';
  const server = net.createServer((socket) => {
    // One answer per command (a chunk may hold several, each a RESP array "*N").
    socket.on('data', (chunk: Buffer) => {
      for (const _ of chunk.toString().matchAll(/(?:^|\r\n)\*\d+\r\n/g)) socket.write(`$${Buffer.byteLength(info)}\r\n${info}\r\n`);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `redis://127.0.0.1:${port}`, close: () => server.close() };
}

describe('starting against Redis 6', () => {
  it('switches to the classic adapter and logs why', async () => {
    const impostor = await redis6Impostor();
    try {
      const { logger, lines } = recordingLogger();
      const config = testConfig({ REDIS_URL: impostor.url });
      const effective = await withSupportedAdapter(config, logger);
      expect(effective.redis.adapter).toBe('classic');
      expect(Object.isFrozen(effective.redis)).toBe(true);
      expect(config.redis.adapter).toBe('sharded');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ redisVersion: '6.0.16', adapter: 'classic' });
      expect(lines[0]!.msg).toContain('Upgrade Redis to 7');
    } finally {
      impostor.close();
    }
  });
});
