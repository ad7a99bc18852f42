import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, waitForPort } from './redis-server';
import { eventually } from './clients';

/**
 * One primary, one replica and three sentinels on free ports, from Debian's
 * redis-server (a sentinel is `redis-server <conf> --sentinel`), with the
 * timings shortened so a failover takes seconds: the primary is "down" after
 * 1 s of silence and a failover is retried after 5 s. Both the data nodes and
 * the sentinels have passwords, so the server's use of REDIS_PASSWORD and
 * REDIS_SENTINEL_PASSWORD is exercised too.
 */
export interface SentinelTopology {
  name: string;
  password: string;
  sentinelPassword: string;
  primaryPort: number;
  replicaPort: number;
  sentinelPorts: number[];
  /** The server's environment for this topology. */
  env: Record<string, string>;
  /** A plain client to one data node (for the test's own checks and faults). */
  node(port: number): Redis;
  /** The port the sentinels name as the primary now. */
  primaryNow(): Promise<number>;
  /** SIGKILL, as a crash or power loss would: no shutdown, no last writes. */
  killPrimary(): Promise<void>;
  stop(): Promise<void>;
}

const NAME = 'capture';
const PASSWORD = 'data-node-password';
const SENTINEL_PASSWORD = 'sentinel-password';

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

function start(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.on('error', (err) => {
    throw new Error(`could not start redis-server (is it installed?): ${err.message}`);
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

const fields = (flat: unknown): Record<string, string> => {
  const list = flat as string[];
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
};

export async function startSentinelTopology(): Promise<SentinelTopology> {
  const [primaryPort, replicaPort, ...sentinelPorts] = await distinctFreePorts(5);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-sentinel-'));
  const dataNode = (port: number) => [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--requirepass',
    PASSWORD,
    '--masterauth',
    PASSWORD,
  ];
  const children: ChildProcess[] = [];
  const clients: Redis[] = [];
  const primary = start(dataNode(primaryPort!));
  children.push(primary);
  children.push(start([...dataNode(replicaPort!), '--replicaof', '127.0.0.1', String(primaryPort)]));
  for (const port of sentinelPorts) {
    // Each sentinel rewrites its own file as it learns the topology.
    const file = path.join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `requirepass ${SENTINEL_PASSWORD}`,
        `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
        `sentinel monitor ${NAME} 127.0.0.1 ${primaryPort} 2`,
        `sentinel auth-pass ${NAME} ${PASSWORD}`,
        `sentinel down-after-milliseconds ${NAME} 1000`,
        `sentinel failover-timeout ${NAME} 5000`,
        `sentinel parallel-syncs ${NAME} 1`,
        '',
      ].join('\n'),
    );
    children.push(start([file, '--sentinel']));
  }
  const node = (port: number) => {
    const client = new Redis({ host: '127.0.0.1', port, password: PASSWORD, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const sentinel = (port: number) => {
    const client = new Redis({ host: '127.0.0.1', port, password: SENTINEL_PASSWORD, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    client.on('error', () => undefined);
    clients.push(client);
    return client;
  };
  const stop = async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(children.map(kill));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all([primaryPort!, replicaPort!, ...sentinelPorts].map((port) => waitForPort(port, 5_000)));
    // Ready for a failover: the replica in sync, and every sentinel knowing the replica and the two other sentinels
    // (they find each other through hello messages every 2 s).
    const replica = node(replicaPort!);
    const sentinels = sentinelPorts.map(sentinel);
    await eventually(async () => {
      const info = await replica.info('replication');
      if (!/master_link_status:up/.test(info)) throw new Error('replica not in sync yet');
      for (const s of sentinels) {
        const master = fields(await s.call('SENTINEL', 'MASTER', NAME));
        if (master['num-slaves'] !== '1' || master['num-other-sentinels'] !== '2') {
          throw new Error(`sentinel not ready: ${JSON.stringify(master)}`);
        }
      }
    }, 15_000);
    return {
      name: NAME,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      primaryPort: primaryPort!,
      replicaPort: replicaPort!,
      sentinelPorts,
      env: {
        REDIS_SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
        REDIS_SENTINEL_NAME: NAME,
        REDIS_SENTINEL_PASSWORD: SENTINEL_PASSWORD,
        REDIS_PASSWORD: PASSWORD,
      },
      node,
      async primaryNow() {
        const [, port] = (await sentinels[0]!.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', NAME)) as [string, string];
        return Number(port);
      },
      killPrimary: () => kill(primary),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
