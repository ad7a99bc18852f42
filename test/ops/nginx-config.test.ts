import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import {
  SITE_CONF,
  multiHostUpstream,
  nginxCheck,
  renderSite,
  selfSignedCertificate,
  writeNginxConfig,
  type Certificate,
} from '../helpers/nginx';

/** `nginx -t` from Debian's package on the shipped config, with a throwaway certificate. */
describe('nginx/capture-backend.conf', () => {
  let certificate: Certificate;
  const shipped = readFileSync(SITE_CONF, 'utf8');
  const site = (upstreamBlock?: string) =>
    renderSite({
      httpPort: 8080,
      httpsPort: 8443,
      backend: '127.0.0.1:3200',
      grafana: '127.0.0.1:3000',
      certificate,
      webroot: os.tmpdir(),
      upstreamBlock,
    });

  beforeAll(() => {
    certificate = selfSignedCertificate(mkdtempSync(path.join(os.tmpdir(), 'capture-cert-')));
  });

  it('passes nginx -t', () => {
    const result = nginxCheck(writeNginxConfig(site()));
    expect(result.output).toContain('test is successful');
    expect(result.ok).toBe(true);
  });

  it('passes nginx -t with the multi-host least_conn upstream', () => {
    const block = multiHostUpstream(['10.0.1.11:3200', '10.0.1.12:3200']);
    expect(block).toContain('least_conn;');
    const rendered = site(block);
    expect(rendered).not.toContain('server 127.0.0.1:3200;');
    const result = nginxCheck(writeNginxConfig(rendered));
    expect(result.output).toContain('test is successful');
  });

  it('fails nginx -t on a broken config, so the check above can fail', () => {
    const result = nginxCheck(writeNginxConfig(site().replace('proxy_request_buffering off;', 'proxy_request_buffering sideways;')));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('proxy_request_buffering');
  });

  it('accepts bodies exactly as large as MAX_UPLOAD_BYTES on the upload locations, streamed', () => {
    for (const location of ['location /local-upload/ {', 'location = /upload-session {']) {
      const block = shipped.slice(shipped.indexOf(location), shipped.indexOf('}', shipped.indexOf(location)));
      expect(block, location).toContain('proxy_request_buffering off;');
      const size = block.match(/client_max_body_size (\d+)([kmg]?);/);
      expect(size, location).not.toBeNull();
      const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size![2] as '' | 'k' | 'm' | 'g'];
      expect(Number(size![1]) * unit).toBe(testConfig().limits.maxUploadBytes);
    }
  });

  it('buffers control request bodies (everything but the upload locations)', () => {
    const server = shipped.slice(shipped.indexOf('listen 443'));
    const serverLevel = server.slice(0, server.indexOf('location '));
    expect(serverLevel).toContain('proxy_request_buffering on;');
    expect(serverLevel).toMatch(/client_max_body_size \d+[km];/);
  });

  it('keeps idle websockets open longer than the Socket.IO ping interval plus timeout', () => {
    const seconds = (name: string) => Number(shipped.match(new RegExp(`${name} (\\d+)s;`))?.[1]);
    // pingInterval 25 s + pingTimeout 20 s, as set in src/app.ts.
    expect(seconds('proxy_read_timeout')).toBeGreaterThan(45);
    expect(seconds('proxy_send_timeout')).toBeGreaterThan(45);
  });

  it('sends X-Forwarded-For only from a proxy the server trusts by default', () => {
    // Nginx runs on the same host: the server's default TRUST_PROXY must cover loopback.
    expect(testConfig().server.trustProxy).toBe('loopback');
    expect(shipped).toMatch(/upstream capture_backend \{\s*server 127\.0\.0\.1:3200;/);
    expect(shipped).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
  });
});
