/**
 * npm run bench:alarms [-- --devices 1000 --seconds 20 --rounds 3]
 *
 * The CPU that alarm rule evaluation adds to each telemetry update, against
 * the server's telemetry handling without rules, in the same run. Both sides
 * run the real path a telemetry message takes after the socket: payload
 * validation (zod), DeviceService.recordTelemetry (store writes, the
 * device.telemetry event and the session service listening to it), and the
 * dashboards' telemetry update view; the measured side also has the alarm engine
 * listening, with the store work its transitions cause. Rounds alternate
 * (without, with, without, ...) so drift in the machine's load falls on both.
 * The memory store is used so the figure is the server's CPU, not Redis's;
 * the Socket.IO transport is left out of both sides, which makes the ratio an
 * upper bound of what a real server sees.
 *
 * The fleet is the simulator's: batteries drain, storage fills, hands and
 * temperatures wander, and each simulated second one headset's battery
 * collapses and another loses its hands, so raises, repeats and clears happen.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { TelemetryDrift } from '../scripts/simulate/telemetry';
import { Random } from '../scripts/simulate/random';
import { AlarmEngine } from '../src/alarms/alarm-engine';
import { AlarmService } from '../src/alarms/alarm-service';
import { testConfig } from '../src/config';
import { DomainEvents } from '../src/domain/events';
import { DeviceService } from '../src/fleet/device-service';
import { LockService } from '../src/locks/lock-service';
import { SessionService } from '../src/sessions/session-service';
import { telemetryUpdate } from '../src/fleet/views';
import { telemetryPayloadSchema } from '../src/protocol/telemetry';
import { MemoryStore } from '../src/state';
import { createStorage } from '../src/storage';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const DEVICES = option('devices', 1000);
const SECONDS = option('seconds', 20);
const ROUNDS = option('rounds', 3);

const config = testConfig({ DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'capture-bench-alarms-')) });
const logger = pino({ level: 'silent' });

interface Rig {
  devices: DeviceService;
  stop(): Promise<void>;
  alarms?: AlarmService;
}

async function rig(withRules: boolean): Promise<Rig> {
  const store = new MemoryStore({ ...config.ttl });
  const events = new DomainEvents();
  const devices = new DeviceService(store, events, { staleMs: config.timing.deviceStaleMs });
  const locks = new LockService(store, events);
  // As in the server: sessions follow their headsets' telemetry (a device.telemetry listener).
  new SessionService(store, locks, { expiryMs: config.timing.sessionExpiryMs, logger }, events);
  for (let i = 0; i < DEVICES; i++) await devices.identify(deviceId(i), `conn-${i}`);
  if (!withRules) return { devices, stop: () => store.close() };
  const alarms = new AlarmService({ store, events, logger, registry: new Registry() });
  const engine = new AlarmEngine({
    config: config.alarms,
    events,
    alarms,
    devices,
    locks,
    store,
    storage: createStorage(config),
    logger,
    lease: { leases: store.leases, owner: 'bench' },
  });
  return {
    devices,
    alarms,
    async stop() {
      engine.stop();
      await alarms.settled();
      await store.close();
    },
  };
}

const deviceId = (i: number) => `BENCH_${String(i).padStart(4, '0')}`;

/** One simulated second of the whole fleet, as the messages a handler receives (validated here, as the router does). */
function fleetSecond(drifts: TelemetryDrift[], second: number): unknown[] {
  return drifts.map((drift, i) => {
    // Each second one headset's battery collapses and another loses its hands for a while
    // (120 alarm conditions a minute in a fleet of 1,000: far more than a lab sees).
    if (i === (second * 37) % drifts.length) drift.drain(0.08, 5_000);
    if (i === (second * 53 + 11) % drifts.length) drift.loseTracking(5_000);
    return drift.step(1, { active: i % 2 === 0, frames: second * 30, sessionSeconds: second });
  });
}

async function round(withRules: boolean): Promise<{ cpuMicros: number; updates: number; transitions: number }> {
  const r = await rig(withRules);
  const drifts = Array.from({ length: DEVICES }, (_, i) => new TelemetryDrift(deviceId(i), '2.4.0', new Random(i + 1)));
  // Generating telemetry is the simulator's work, not the server's: made before the clock starts.
  const seconds = Array.from({ length: SECONDS }, (_, s) => fleetSecond(drifts, s));
  const raisedBefore = 0;
  const start = process.cpuUsage();
  for (const messages of seconds) {
    for (const raw of messages) {
      const { telemetry } = telemetryPayloadSchema.parse(raw);
      const snapshot = await r.devices.recordTelemetry(telemetry);
      // What the headset socket does next: the dashboards' telemetry update (its emit to rooms is left out).
      if (snapshot) telemetryUpdate(snapshot, Date.now(), config.timing.deviceStaleMs);
    }
    await r.alarms?.settled();
  }
  const used = process.cpuUsage(start);
  const transitions = r.alarms ? (await r.alarms.list({ limit: 500 })).alarms.reduce((n, a) => n + a.count, raisedBefore) : 0;
  await r.stop();
  return { cpuMicros: used.user + used.system, updates: DEVICES * SECONDS, transitions };
}

async function main(): Promise<void> {
  // A warm-up of each, so neither side pays for the JIT.
  await round(false);
  await round(true);
  const without: number[] = [];
  const withRules: number[] = [];
  let transitions = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const a = await round(false);
    without.push(a.cpuMicros / a.updates);
    const b = await round(true);
    withRules.push(b.cpuMicros / b.updates);
    transitions = b.transitions;
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const base = median(without);
  const rules = median(withRules);
  const ratio = rules / base;
  const lines = [
    `bench:alarms  ${DEVICES} devices x ${SECONDS} s of telemetry, ${ROUNDS} rounds each (median), load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `  telemetry handling without rules: ${base.toFixed(1)} us CPU per update`,
    `  telemetry handling with rules:    ${rules.toFixed(1)} us CPU per update (alarms raised and repeated in the last round: ${transitions})`,
    `  rules add ${((ratio - 1) * 100).toFixed(1)} % CPU per update (ratio ${ratio.toFixed(3)}); target under 10 %`,
    `  at ${DEVICES} devices at 1 Hz: ${(((rules - base) * DEVICES) / 1e4).toFixed(2)} % of one core for the rules`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

void main();
