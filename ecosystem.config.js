'use strict';
/**
 * PM2 process file: `pm2 start ecosystem.config.js` (after `npm run build`).
 *
 * One process in fork mode by default. Several processes (PM2 cluster mode) only
 * with REDIS_URL (or REDIS_SENTINELS), since they must share devices, locks and sessions through Redis:
 * set PM2_INSTANCES to a number or "max". Cluster mode suits websocket-only
 * clients (the Quest and tablet apps); Socket.IO long-polling needs sticky
 * sessions, which PM2's cluster balancer does not provide (docs/SETUP.md).
 *
 * PM2 evaluates this file, not the server, so it reads .env itself (variables
 * already in the environment win, as in the server).
 */
const fs = require('node:fs');
const path = require('node:path');
const { parseEnv } = require('node:util');

function readSettings() {
  const file = process.env.ENV_FILE || path.join(__dirname, '.env');
  let fromFile = {};
  if (fs.existsSync(file)) fromFile = parseEnv(fs.readFileSync(file, 'utf8'));
  return { ...fromFile, ...process.env };
}

function instanceCount(value) {
  if (value === undefined || value === '') return 1;
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`PM2_INSTANCES must be a whole number >= 1 or "max" (got "${value}")`);
  return n;
}

const settings = readSettings();
const instances = instanceCount(settings.PM2_INSTANCES);
const cluster = instances !== 1;
if (cluster && !settings.REDIS_URL && !settings.REDIS_SENTINELS) {
  throw new Error(
    `PM2_INSTANCES=${settings.PM2_INSTANCES} needs REDIS_URL (or REDIS_SENTINELS): several processes share devices, locks and sessions through Redis. ` +
      'Set REDIS_URL in .env, or remove PM2_INSTANCES to run one process.',
  );
}

// The server stops within SHUTDOWN_TIMEOUT_MS (and exits by force 2 s later);
// PM2 waits longer than that before it sends SIGKILL.
const shutdownTimeoutMs = Number(settings.SHUTDOWN_TIMEOUT_MS || 10_000);
const logDir = settings.PM2_LOG_DIR || path.join(__dirname, 'logs');

module.exports = {
  apps: [
    {
      name: 'capture-backend',
      cwd: __dirname,
      script: 'dist/server.js',
      exec_mode: cluster ? 'cluster' : 'fork',
      instances,
      env: { NODE_ENV: 'production' },

      // Graceful stop and reload: SIGINT, then up to kill_timeout for the server to
      // close sockets and Redis. A new process counts as up once it has sent
      // "ready" (after listening), so `pm2 reload` in cluster mode never drops to zero.
      kill_timeout: shutdownTimeoutMs + 5_000,
      wait_ready: true,
      listen_timeout: 30_000,

      max_memory_restart: settings.PM2_MAX_MEMORY || '1G',
      min_uptime: '10s',
      max_restarts: 10,
      exp_backoff_restart_delay: 200,

      // pino already writes JSON lines with timestamps; PM2 only routes them.
      out_file: path.join(logDir, 'capture-backend.out.log'),
      error_file: path.join(logDir, 'capture-backend.err.log'),
      merge_logs: true,
      time: false,
    },
  ],
};
