import type { TestClient } from '../helpers/clients';

/** Creates a session from the tablet; throws with the refusal otherwise. */
export async function createSession(
  tablet: TestClient,
  request: { deviceIds: string[]; metadata?: Record<string, unknown> },
): Promise<string> {
  const answer = await tablet.ask('tablet-create-session', request);
  if (!answer.ok || typeof answer.sessionId !== 'string') throw new Error(`session not created: ${answer.error}`);
  return answer.sessionId;
}
