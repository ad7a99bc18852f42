import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, testConfig } from '../../src/config';

const secrets = { JWT_SECRET: 'x'.repeat(40), ADMIN_API_KEY: 'y'.repeat(30) };

describe('hardening configuration', () => {
  it('opens CORS to any origin in development and closes it in production unless CORS_ORIGINS says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).config.auth.corsOrigins).toBe('*');
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).config.auth.corsOrigins).toEqual([]);
    expect(
      loadConfig({ NODE_ENV: 'production', ...secrets, CORS_ORIGINS: ' https://a.example ,http://b.example:8080 ' }).config.auth
        .corsOrigins,
    ).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(loadConfig({ NODE_ENV: 'production', ...secrets, CORS_ORIGINS: '*' }).config.auth.corsOrigins).toBe('*');
    expect(loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: '' }).config.auth.corsOrigins).toEqual([]);
  });

  it('refuses an origin with a path or without a scheme, naming the variable', () => {
    for (const bad of ['dashboard.example', 'https://a.example/app', 'ftp://a.example']) {
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
    }
  });

  it('has a per-address connection limit of 200 by default, and refuses a nonsensical one', () => {
    expect(testConfig().limits.maxConnectionsPerIp).toBe(200);
    expect(testConfig({ MAX_CONNECTIONS_PER_IP: '5' }).limits.maxConnectionsPerIp).toBe(5);
    expect(() => testConfig({ MAX_CONNECTIONS_PER_IP: '0' })).toThrow(/MAX_CONNECTIONS_PER_IP: expected at least 1/);
  });

  it('closes connections that join no namespace after 10 s by default (Socket.IO: 45 s), at most 45 s', () => {
    expect(testConfig().limits.socketConnectTimeoutMs).toBe(10_000);
    expect(() => testConfig({ SOCKET_CONNECT_TIMEOUT_MS: '60000' })).toThrow(/SOCKET_CONNECT_TIMEOUT_MS: expected at most 45000/);
  });
});
