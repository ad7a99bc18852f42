import { afterEach, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { SimulatedFleet } from '../../scripts/simulate';
import { closeAllClients, eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

const ADMIN_KEY = 'test-admin-api-key-0123456789';

/**
 * The simulator's --broken-share (FleetOptions.brokenShare) against a real
 * server: the captures it breaks on purpose (every 1/share-th of a headset,
 * cycling truncated video, hands out of frame, short video) are rejected by
 * the integrity gate with reasons, and the others verify.
 */
describe('simulated fleet with a broken share', () => {
  let server: CaptureServer | undefined;
  let fleet: SimulatedFleet | undefined;
  afterEach(async () => {
    closeAllClients();
    await fleet?.stop(2_000);
    await server?.close();
  });

  it('has its broken recordings rejected with reasons while the others verify', async () => {
    server = await startServer({ env: { TOKEN_REQUESTS_PER_MINUTE: '1000' } });
    // A share of 0.5: each headset's 2nd capture is a truncated video, its 4th has the hands out of frame.
    fleet = new SimulatedFleet({
      url: server.url(),
      apiKey: ADMIN_KEY,
      headsets: 2,
      tablets: 1,
      fps: 0,
      sessionSeconds: 1,
      gapSeconds: 0.5,
      brokenShare: 0.5,
      seed: 5,
    });
    await fleet.start();
    const f = fleet;
    await eventually(() => expect(f.stats.uploadsCompleted).toBeGreaterThanOrEqual(8), 60_000);
    await fleet.stop();
    fleet = undefined;
    expect(f.stats.errors, f.stats.lastError).toBe(0);
    const store = server.store;
    // The records with files (a pause in a session opens a provisional record its upload does not take over).
    const uploaded = async (deviceId?: string) =>
      (await store.recordings.list({ ...(deviceId ? { deviceId } : {}), limit: 100 })).recordings.filter(
        (r) => r.files.video && r.files.data,
      );
    // Every recording uploaded reaches its verdict.
    await eventually(async () => {
      const recordings = await uploaded();
      expect(recordings.length).toBe(f.stats.uploadsCompleted);
      expect(recordings.every((r) => r.state === 'verified' || r.state === 'rejected')).toBe(true);
    }, 20_000);

    // Which capture a headset numbered which is not read back here: a capture's number and its
    // folder's order need not agree (checking by position failed now and then). What the broken
    // share must give: both verdicts, and each kind of breakage rejected for what it broke, in words.
    const recordings = await uploaded();
    const rejected = recordings.filter((r) => r.state === 'rejected');
    const verified = recordings.filter((r) => r.state === 'verified');
    expect(verified.length).toBeGreaterThan(0);
    expect(rejected.length).toBeGreaterThanOrEqual(f.headsetIds.length);
    for (const r of verified) expect(r.verification!.reasons).toEqual([]);
    for (const r of rejected) expect(r.verification!.reasons.length, r.recordingId).toBeGreaterThan(0);
    const reasons = rejected.flatMap((r) => r.verification!.reasons);
    expect(reasons).toContainEqual(expect.stringMatching(/the file is truncated/));
    expect(reasons).toContainEqual(expect.stringMatching(/^QA score [\d.]+ is below the pass score of 80$/));
  }, 90_000);
});
