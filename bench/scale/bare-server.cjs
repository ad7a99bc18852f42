/**
 * The floor of our own stack (bench:floor): a bare Socket.IO telemetry server
 * doing the same work per update as Capture Backend, and nothing else. It
 * verifies the JWT on connect, validates each telemetry payload with the
 * server's own zod schema (from dist/), writes the latest update to Redis, and
 * sends it to the subscribed dashboards, per update or batched every
 * TELEMETRY_BATCH_MS. It speaks the events bench/scale/load.ts sends.
 *
 * Environment: PORT, HOST, REDIS_URL, JWT_SECRET, TELEMETRY_BATCH_MS.
 */
const http = require('node:http');
const { createSecretKey } = require('node:crypto');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const Redis = require('ioredis');
const { Server } = require('socket.io');

const ROOT = path.resolve(__dirname, '../..');
const { telemetryPayloadSchema } = require(path.join(ROOT, 'dist', 'protocol', 'telemetry.js'));

const batchMs = Number(process.env.TELEMETRY_BATCH_MS ?? 500);
// A KeyObject, as src/auth.ts keeps it: given a string, jsonwebtoken tries it as a public key on every verify.
const secret = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? ''));
const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
redis.on('error', () => undefined);

const httpServer = http.createServer((req, res) => {
  res.writeHead(req.url === '/test' ? 200 : 404, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});
const io = new Server(httpServer, { perMessageDeflate: false, httpCompression: false, pingInterval: 25_000, pingTimeout: 20_000 });

io.use((socket, next) => {
  try {
    const claims = jwt.verify(String(socket.handshake.auth?.token ?? ''), secret, { algorithms: ['HS256'] });
    socket.data.deviceId = claims.deviceId;
    socket.data.deviceType = claims.deviceType;
    next();
  } catch {
    next(new Error('authentication failed'));
  }
});

/** The batched dashboards' next batch: the latest update of each device that sent one. */
const pending = new Map();
setInterval(() => {
  if (pending.size === 0) return;
  const updates = [...pending.values()];
  pending.clear();
  io.to('dashboards:batched').emit('on-fleet-telemetry-batch', { updates, intervalMs: batchMs });
}, batchMs).unref();

io.on('connection', (socket) => {
  socket.on('headset-identify', (deviceId, ack) => {
    if (deviceId !== socket.data.deviceId) return ack?.({ ok: false, code: 'spoofed_identity', error: 'not your device' });
    socket.data.identified = deviceId;
    ack?.({ ok: true, deviceId });
  });
  socket.on('dashboard-subscribe', (...args) => {
    // The spec's event has no payload: the acknowledgement is then the only argument.
    const ack = typeof args.at(-1) === 'function' ? args.pop() : undefined;
    const options = args[0];
    const batched = options?.telemetry === 'batched';
    void socket.join(batched ? 'dashboards:batched' : 'dashboards');
    ack?.({ ok: true, devices: 0, ...(batched ? { telemetry: 'batched' } : {}) });
  });
  socket.on('device-telemetry', (payload, ack) => {
    const parsed = telemetryPayloadSchema.safeParse(payload);
    const deviceId = socket.data.identified;
    if (!parsed.success || !deviceId) return ack?.({ ok: false, code: 'invalid', error: 'invalid payload' });
    const telemetry = parsed.data.telemetry;
    const now = Date.now();
    redis
      .multi()
      .set(`telemetry:${deviceId}`, JSON.stringify(telemetry), 'EX', 300)
      .hset(`device:${deviceId}`, 'lastSeen', now, 'isOnline', 1)
      .exec()
      .then(() => {
        const update = { deviceId, isOnline: true, isStale: false, lastSeen: new Date(now).toISOString(), telemetry, isLocked: false };
        io.to('dashboards').emit('on-device-telemetry-updated', update);
        pending.set(deviceId, update);
        ack?.({ ok: true });
      })
      .catch(() => ack?.({ ok: false, code: 'store_unavailable', error: 'store unavailable' }));
  });
});

httpServer.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  io.close();
  redis.disconnect();
  process.exit(0);
});
