import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';

/** What one receiver saw. */
export interface ReceiverReport {
  requests: number;
  answered: number;
  /** Requests it accepted and never answered (the server's attempt timed out). */
  hung: number;
  badSignatures: number;
  /** SHA-256 of each body it answered 200. */
  answeredBodies: Set<string>;
}

export interface SoakReceivers {
  /** WEBHOOK_URLS for the server: the healthy receiver, then the one that hangs. */
  urls: string;
  healthy: ReceiverReport;
  hanging: ReceiverReport;
  close(): void;
}

/**
 * Two webhook receivers on loopback: one answers every delivery, the other
 * accepts half of them (at random, seeded) and never answers. Every signature
 * is checked with WEBHOOK_SECRET.
 */
export async function startReceivers(secret: string, random: () => number): Promise<SoakReceivers> {
  const healthy = await receiver(secret, () => false);
  const hanging = await receiver(secret, () => random() < 0.5);
  return {
    urls: `${healthy.url},${hanging.url}`,
    healthy: healthy.report,
    hanging: hanging.report,
    close() {
      healthy.close();
      hanging.close();
    },
  };
}

async function receiver(secret: string, hangs: () => boolean) {
  const report: ReceiverReport = { requests: 0, answered: 0, hung: 0, badSignatures: 0, answeredBodies: new Set() };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      report.requests++;
      const body = Buffer.concat(chunks);
      const given = Buffer.from(String(req.headers['x-capture-signature'] ?? ''), 'utf8');
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`, 'utf8');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) report.badSignatures++;
      if (hangs()) {
        // Accepted, never answered: the server's attempt must end at WEBHOOK_TIMEOUT_MS on its own.
        report.hung++;
        return;
      }
      report.answered++;
      report.answeredBodies.add(createHash('sha256').update(body).digest('hex'));
      res.writeHead(200).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    report,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}
