import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { createServer } from './app';
import { installProcessGuards } from './hardening/process-guards';
import { withSupportedAdapter } from './realtime/redis-version';
import { devSecretsNotice, keepDevSecrets } from './dev-secrets';
import { checkStorageAtStart } from './storage/start-check';
import { dashboardUrl, startWarnings, SUPPORTED_NODE_MAJOR } from './config/start-warnings';

/**
 * The composition root and the only place that reads the environment or
 * installs process handlers.
 */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Variables already in the environment win over the file, as with PM2 and systemd. */
function loadEnvFile(): void {
  const file = process.env.ENV_FILE ?? '.env';
  if (existsSync(file)) process.loadEnvFile(file);
}

/** What to do about a port that cannot be listened on; undefined for other failures. */
function listenProblem(err: unknown, host: string, port: number): string | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE')
    return `port ${port} on ${host} is already in use (another capture-backend?); stop that process or set PORT to a free port`;
  if (code === 'EACCES') return `no permission to listen on port ${port} on ${host}; use a port above 1023 in PORT`;
  if (code === 'EADDRNOTAVAIL') return `HOST ${host} is not an address of this machine; set HOST (0.0.0.0 listens on all)`;
  return undefined;
}

async function main(): Promise<void> {
  loadEnvFile();
  // The AWS SDK's own notice about an old Node takes nine lines at every start; startWarnings says it in one.
  if (Number.parseInt(process.versions.node, 10) < SUPPORTED_NODE_MAJOR)
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  let loaded;
  try {
    loaded = loadConfig(process.env, packageVersion());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`capture-backend: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { generatedSecrets } = loaded;
  if (generatedSecrets.length > 0) {
    // Generated secrets exist in development only (production refuses to start without them).
    let outcome: Parameters<typeof devSecretsNotice>[1];
    try {
      const kept = keepDevSecrets(loaded.config.storage.dataDir, generatedSecrets);
      loaded = loadConfig({ ...process.env, ...kept.values }, packageVersion());
      outcome = { kept };
    } catch (err) {
      outcome = { error: (err as Error).message };
    }
    process.stderr.write(devSecretsNotice(generatedSecrets, outcome));
  }
  const logger = createLogger(loaded.config);
  installProcessGuards(process, logger);
  for (const warning of startWarnings(loaded.config, process.version)) logger.warn(warning);

  const config = await withSupportedAdapter(loaded.config, logger);
  const server = createServer(config, { logger });
  await checkStorageAtStart(server.storage, logger);
  let address;
  try {
    address = await server.listen();
  } catch (err) {
    const problem = listenProblem(err, config.server.host, config.server.port);
    if (!problem) throw err;
    // One line a person can act on, not a stack trace.
    process.stderr.write(`capture-backend: ${problem}\n`);
    process.exit(1);
  }
  logger.info(
    {
      port: address.port,
      store: server.store.kind,
      storage: `${server.storage.kind} ${server.storage.location}`,
      env: config.env,
    },
    `capture backend listening; dashboard at ${dashboardUrl(config.server.host, address.port)}`,
  );
  // PM2 (wait_ready in ecosystem.config.js) counts a new process as up from here.
  process.send?.('ready');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting');
      logger.flush();
      process.exit(1);
    }, config.server.shutdownTimeoutMs + 2_000);
    hardStop.unref();
    await server.close();
    logger.info('shutdown complete');
    logger.flush(() => process.exit(0));
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

void main().catch((err: unknown) => {
  process.stderr.write(`capture-backend failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
