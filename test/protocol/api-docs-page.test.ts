import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureServer } from '../../src/app';
import { launchBrowser } from '../dashboard/browser';
import { eventually } from '../helpers/clients';
import { startServer } from '../helpers/test-server';

// Browser globals, for the function page.evaluate runs inside the page (the test program has no DOM types).
declare const document: { querySelectorAll(selector: string): { length: number } };

/** GET /api/docs: Swagger UI from node_modules, under a strict CSP, rendering /api/openapi.json. */
describe('/api/docs', () => {
  let server: CaptureServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the page and its assets from this origin under a strict CSP, and nothing else of the package', async () => {
    const page = await fetch(`${server.url()}/api/docs`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(['/api/docs/assets/swagger-ui.css', '/api/docs/assets/swagger-ui-bundle.js', '/api/docs/start.js']);
    for (const asset of assets) {
      const res = await fetch(`${server.url()}${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type'), asset).toMatch(asset.endsWith('.css') ? /text\/css/ : /javascript/);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    // Only the two files the page loads: not the package's other files, and no way out of its folder.
    for (const other of ['/api/docs/assets/index.html', '/api/docs/assets/package.json', '/api/docs/assets/..%2f..%2fpackage.json']) {
      expect((await fetch(`${server.url()}${other}`)).status, other).toBe(404);
    }
  });

  it('renders every operation of the OpenAPI document in a browser without breaking the CSP', async () => {
    const doc = (await (await fetch(`${server.url()}/api/openapi.json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${server.url()}/api/docs`);
      await eventually(async () => {
        expect(await page.evaluate(() => document.querySelectorAll('.opblock').length)).toBe(operations);
      }, 15_000);
      expect(problems).toEqual([]);
      // Everything it loaded came from this server (no CDN, no outside validator).
      expect(requests.filter((url) => !url.startsWith(server.url()) && !url.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
