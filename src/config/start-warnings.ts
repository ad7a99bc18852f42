import type { Config } from './types';

/** The Node major this server is supported and tested on from (docs: README, "Node"). */
export const SUPPORTED_NODE_MAJOR = 22;

/**
 * What a person starting the server should know before it serves anyone, one line each: a
 * production server keeping recordings on its own disk, a server that asks no one for a token,
 * and a Node past its end of life. The entry point logs them as warnings at start.
 */
export function startWarnings(config: Config, nodeVersion: string): string[] {
  const warnings: string[] = [];
  if (config.env === 'production' && !config.storage.s3) {
    warnings.push(
      `NODE_ENV=production without S3_BUCKET_NAME: recordings are kept on this machine's disk in DATA_DIR (${config.storage.dataDir}); ` +
        'set S3_BUCKET_NAME to keep them in a bucket',
    );
  }
  if (!config.auth.required) {
    warnings.push('AUTH_REQUIRED=false: any client may connect and call the API without a token; for development only');
  }
  const major = Number.parseInt(nodeVersion.replace(/^v/, ''), 10);
  if (Number.isFinite(major) && major < SUPPORTED_NODE_MAJOR) {
    warnings.push(
      `Node ${nodeVersion} is past its end of life (April 2026): run Node 22 or 24, which this server is tested on ` +
        '(the AWS SDK requires Node 22 from January 2027)',
    );
  }
  return warnings;
}

/** Where a person opens the dashboard of a server listening on host:port. */
export function dashboardUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/dashboard`;
}
