import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  body: string;
  json: { id: string; type: string; timestamp: string; data: Record<string, unknown> };
  signature: string;
  /** Verified as docs/ALARMS.md tells a receiver to. */
  valid: boolean;
}

/** The verification docs/ALARMS.md shows: HMAC-SHA256 of the raw body, compared in constant time. */
export function verify(rawBody: string, header: string | undefined, secret: string): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A real local HTTP receiver. `answer` decides each response: a status, or 'hang' to never answer. */
export async function startReceiver(secret: string, answer: (n: number) => number | 'hang' = () => 200, port = 0) {
  const received: Received[] = [];
  let calls = 0;
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['x-capture-signature'] ?? '');
      received.push({ body, json: JSON.parse(body) as Received['json'], signature, valid: verify(body, signature, secret) });
      const what = answer(++calls);
      if (what === 'hang') return void hanging.push(res);
      res.writeHead(what).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    url: `http://${host}/hook`,
    /** How the server shows this receiver: its host only. */
    host,
    /** Requests that were answered or are being held open. */
    get calls() {
      return calls;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
