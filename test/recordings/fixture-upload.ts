import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CaptureServer } from '../../src/app';

/** The real MP4 and NPZ files made by fixtures/make_fixtures.sh. */
export const FIXTURES = path.join(__dirname, 'fixtures');
export const fixture = (name: string) => readFileSync(path.join(FIXTURES, name));

/**
 * Uploads a recording made of two fixture files as a headset does in one
 * request (POST /upload-session), so it lands in {timestamp}_{deviceId}/.
 * Throws unless the server accepted it.
 */
export async function uploadFixtures(
  server: CaptureServer,
  recording: { deviceId: string; timestamp: string; video: string; data: string; sessionId?: string },
): Promise<void> {
  const body = new FormData();
  body.append('timestamp', recording.timestamp);
  if (recording.sessionId) body.append('sessionId', recording.sessionId);
  body.append('video', new Blob([fixture(recording.video)]), 'recording.mp4');
  body.append('data', new Blob([fixture(recording.data)]), 'session_data.npz');
  const res = await fetch(`${server.url()}/upload-session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.tokens.sign(recording.deviceId, 'headset')}` },
    body,
  });
  if (res.status !== 200)
    throw new Error(`upload of ${recording.deviceId} ${recording.timestamp} answered ${res.status}: ${await res.text()}`);
}
