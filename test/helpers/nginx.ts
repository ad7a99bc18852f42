import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './redis-server';

/**
 * Real Nginx (Debian's package) for tests: the shipped site config with its
 * production paths and ports substituted, inside a throwaway main config whose
 * pid, temp and log paths all live in a temporary directory.
 */

const ROOT = path.resolve(__dirname, '../..');
export const SITE_CONF = path.join(ROOT, 'nginx', 'capture-backend.conf');
// Debian installs nginx in /usr/sbin, which is not on every user's PATH.
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

const MULTI_HOST_UPSTREAM = path.join(ROOT, 'nginx', 'upstream-multi-host.conf');

export interface Certificate {
  cert: string;
  key: string;
  /** PEM text, to trust in clients (`ca` option). */
  pem: string;
}

/** A self-signed certificate for localhost / 127.0.0.1, valid for a day. */
export function selfSignedCertificate(dir: string): Certificate {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const result = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`openssl failed (is it installed?): ${result.error?.message ?? result.stderr}`);
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

export interface SiteOptions {
  httpPort: number;
  httpsPort: number;
  /** host:port of the capture backend. */
  backend: string;
  /** host:port standing in for Grafana. */
  grafana: string;
  certificate: Certificate;
  webroot: string;
  /** Replaces the single-host upstream block (e.g. the multi-host variant). */
  upstreamBlock?: string;
}

function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const matches = text.match(from instanceof RegExp ? new RegExp(from.source, 'g') : new RegExp(escape(from), 'g'));
  if (matches?.length !== 1) {
    throw new Error(`expected exactly one ${String(from)} in ${SITE_CONF}, found ${matches?.length ?? 0}`);
  }
  return text.replace(from, to);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The shipped config with test ports and paths. Every substitution must match
 * exactly once, so a change to the shipped file that the test no longer covers
 * fails loudly instead of passing untested.
 */
export function renderSite(options: SiteOptions): string {
  let text = readFileSync(SITE_CONF, 'utf8');
  // Containers may lack IPv6; the IPv4 listeners carry the test.
  text = text.replace(/^\s*listen \[::\]:\d+.*\n/gm, '');
  text = replaceOnce(text, /listen 80;/, `listen 127.0.0.1:${options.httpPort};`);
  text = replaceOnce(text, /listen 443 ssl;/, `listen 127.0.0.1:${options.httpsPort} ssl;`);
  text = replaceOnce(text, '/etc/letsencrypt/live/capture.example.com/fullchain.pem', options.certificate.cert);
  text = replaceOnce(text, '/etc/letsencrypt/live/capture.example.com/privkey.pem', options.certificate.key);
  text = replaceOnce(text, 'root /var/www/html;', `root ${options.webroot};`);
  text = replaceOnce(text, 'proxy_pass http://127.0.0.1:3000;', `proxy_pass http://${options.grafana};`);
  if (options.upstreamBlock) {
    text = replaceOnce(text, /upstream capture_backend \{[^}]*\}/, options.upstreamBlock.trim());
  } else {
    text = replaceOnce(text, 'server 127.0.0.1:3200;', `server ${options.backend};`);
  }
  return text;
}

/** The upstream block of nginx/upstream-multi-host.conf with the given backends. */
export function multiHostUpstream(backends: string[]): string {
  const text = readFileSync(MULTI_HOST_UPSTREAM, 'utf8');
  const block = text.match(/upstream capture_backend \{[^}]*\}/)?.[0];
  if (!block) throw new Error(`no upstream block in ${MULTI_HOST_UPSTREAM}`);
  const servers = backends.map((b) => `    server ${b} max_fails=3 fail_timeout=10s;`).join('\n');
  return block.replace(/(\s*server [^;]+;)+/, `\n${servers}`);
}

export interface NginxDir {
  dir: string;
  mainConf: string;
}

/** Writes a main nginx.conf that includes the given site text, all paths under a fresh directory. */
export function writeNginxConfig(site: string, dir = mkdtempSync(path.join(os.tmpdir(), 'capture-nginx-'))): NginxDir {
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'www']) mkdirSync(path.join(dir, sub), { recursive: true });
  const siteFile = path.join(dir, 'capture-backend.conf');
  writeFileSync(siteFile, site);
  const mainConf = path.join(dir, 'nginx.conf');
  // As root, workers would otherwise run as nobody and could not use the 0700 temp directory.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(
    mainConf,
    `${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path ${dir}/body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${siteFile};
}
`,
  );
  return { dir, mainConf };
}

function nginxArgs(d: NginxDir): string[] {
  return ['-p', d.dir, '-c', d.mainConf, '-e', 'stderr'];
}

/** `nginx -t` on a config: ok and the combined output. */
export function nginxCheck(d: NginxDir): { ok: boolean; output: string } {
  const result = spawnSync(NGINX, ['-t', ...nginxArgs(d)], { encoding: 'utf8' });
  if (result.error) throw new Error(`could not run nginx (is it installed?): ${result.error.message}`);
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

export interface RunningNginx {
  output(): string;
  stop(): Promise<void>;
}

/** Runs nginx in the foreground until stop(); resolves once every given port accepts connections. */
async function startNginx(d: NginxDir, ports: number[]): Promise<RunningNginx> {
  const child = spawn(NGINX, [...nginxArgs(d), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  };
  const died = exited.then(() => {
    throw new Error(`nginx exited with ${child.exitCode}:\n${output}`);
  });
  try {
    await Promise.race([Promise.all(ports.map((port) => waitForPort(port, 10_000))), died]);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  died.catch(() => {});
  return { output: () => output, stop };
}

export interface ProxiedServer {
  /** https://localhost:PORT, through Nginx with TLS. */
  base: string;
  /** http://127.0.0.1:PORT, the plain-HTTP port that redirects to HTTPS. */
  plainBase: string;
  /** Trust it in clients: `ca: certificate.pem` (https.request, socket.io-client). */
  certificate: Certificate;
  nginx: RunningNginx;
  stop(): Promise<void>;
}

/**
 * Real Nginx with the shipped site config in front of a running backend
 * (host:port, e.g. `new URL(server.url()).host`), on free ports, with a
 * throwaway certificate. `grafana` is where /grafana/ goes.
 */
export async function startNginxInFront(backend: string, options: { grafana?: string } = {}): Promise<ProxiedServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'capture-e2e-nginx-'));
  const certificate = selfSignedCertificate(dir);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const site = renderSite({
    httpPort,
    httpsPort,
    backend,
    grafana: options.grafana ?? `127.0.0.1:${await freePort()}`,
    certificate,
    webroot: path.join(dir, 'www'),
  });
  const nginx = await startNginx(writeNginxConfig(site, dir), [httpPort, httpsPort]);
  return {
    base: `https://localhost:${httpsPort}`,
    plainBase: `http://127.0.0.1:${httpPort}`,
    certificate,
    nginx,
    stop: () => nginx.stop(),
  };
}
