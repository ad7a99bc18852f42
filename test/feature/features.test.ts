import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildFeatures } from '../../src/feature/build';
import type { FeatureContext, FeatureFactory } from '../../src/feature/feature';
import { ServiceRegistry, type FeatureServices } from '../../src/feature/services';
import { FEATURES } from '../../src/features';
import { startServer } from '../helpers/test-server';

const SRC = path.resolve(__dirname, '../../src');

/** The shared parts a factory of these tests reads: only the logger. */
const shared = { logger: pino({ level: 'silent' }) } as unknown as Omit<FeatureContext, 'services'>;

describe('the feature list', () => {
  it('names each feature by its folder, and a server built from it provides every service', async () => {
    const list = readFileSync(path.join(SRC, 'features.ts'), 'utf8');
    const folders = [...list.matchAll(/^import \{ (\w+) \} from '\.\/([a-z-]+)';$/gm)].map((m) => m[2]!);
    expect(folders.length).toBe(FEATURES.length);
    for (const folder of folders) expect(existsSync(path.join(SRC, folder, 'index.ts')), folder).toBe(true);

    const server = await startServer();
    try {
      expect(Object.keys(server.services).sort()).toEqual([
        'alarms',
        'audit',
        'clock',
        'commands',
        'datasets',
        'deviceNames',
        'devices',
        'fleet',
        'frameActivity',
        'locks',
        'qa',
        'recordingCommands',
        'recordings',
        'sessions',
        'uploads',
        'webhooks',
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('ServiceRegistry', () => {
  it('answers a provided service, and refuses one no earlier feature provided, naming it', () => {
    const registry = new ServiceRegistry();
    const locks = {} as FeatureServices['locks'];
    registry.provide('locks', { locks });
    expect(registry.get('locks')).toBe(locks);
    expect(() => registry.get('sessions')).toThrow(/no feature has provided 'sessions' yet/);
  });

  it('refuses a second provider of the same service', () => {
    const registry = new ServiceRegistry();
    registry.provide('locks', { locks: {} as FeatureServices['locks'] });
    expect(() => registry.provide('other', { locks: {} as FeatureServices['locks'] })).toThrow(
      "feature 'other' provides 'locks', which feature 'locks' already provides",
    );
  });
});

describe('buildFeatures', () => {
  it('starts tasks before each feature, in list order, and stops features in reverse order, waiting for async stops', async () => {
    const calls: string[] = [];
    const feature =
      (name: string, slowStop = false): FeatureFactory =>
      () => ({
        name,
        tasks: [{ start: () => calls.push(`${name}:task-start`), stop: () => void calls.push(`${name}:task-stop`) }],
        start: () => void calls.push(`${name}:start`),
        stop: slowStop
          ? () => new Promise<void>((resolve) => setTimeout(() => resolve(void calls.push(`${name}:stopped`)), 20))
          : () => void calls.push(`${name}:stop`),
      });
    const built = buildFeatures([feature('a', true), feature('b'), feature('c')], shared);
    built.start();
    expect(calls.splice(0)).toEqual(['a:task-start', 'a:start', 'b:task-start', 'b:start', 'c:task-start', 'c:start']);
    await built.stop();
    expect(calls).toEqual(['c:task-stop', 'c:stop', 'b:task-stop', 'b:stop', 'a:task-stop', 'a:stopped']);
  });

  it('gathers every feature’s middleware, routes, docs and sockets in list order', () => {
    const built = buildFeatures(
      [
        () => ({
          name: 'a',
          routeDocs: [{ method: 'get', path: '/a', tag: 'a', summary: 'a', auth: 'open', answer: { contentType: 'x', description: 'x' } }],
        }),
        () => ({ name: 'b', sockets: [{ register: () => undefined }] }),
        () => ({
          name: 'c',
          routeDocs: [{ method: 'get', path: '/c', tag: 'c', summary: 'c', auth: 'open', answer: { contentType: 'x', description: 'x' } }],
        }),
      ],
      shared,
    );
    expect(built.routeDocs.map((d) => d.path)).toEqual(['/a', '/c']);
    expect(built.sockets).toHaveLength(1);
  });

  it('lets a feature use what an earlier one provided, and fails the build when the order is wrong', () => {
    const provider: FeatureFactory = () => ({ name: 'locks', provides: { locks: {} as FeatureServices['locks'] } });
    const user: FeatureFactory = (ctx) => ({ name: 'user', start: () => void ctx.services.get('locks') });
    const eager: FeatureFactory = (ctx) => {
      ctx.services.get('locks');
      return { name: 'eager' };
    };
    expect(() => buildFeatures([provider, user, eager], shared)).not.toThrow();
    expect(() => buildFeatures([eager, provider], shared)).toThrow(/no feature has provided 'locks' yet/);
  });
});
