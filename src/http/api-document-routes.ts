import path from 'node:path';
import express, { Router } from 'express';
import { strictPageHeaders } from './http-security';
import { z } from 'zod';
import { asyncApiDocument } from '../protocol/asyncapi';
import { openApiDocument } from './openapi';
import type { RouteDoc } from './route-doc';

/**
 * swagger-ui-dist (a maintained, dependency-free build of Swagger UI), served
 * from node_modules: no CDN. Only the two files the page loads are reachable.
 */
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
const SWAGGER_UI_FILES = new Set(['swagger-ui-bundle.js', 'swagger-ui.css']);
const ASSETS = '/api/docs/assets';

/**
 * As strict as the dashboard's: this origin's scripts and styles only, no inline
 * code (the page's own start-up script is a file below). Swagger UI needs nothing
 * more: its styles are a stylesheet, its few computed styles are set through the
 * DOM (which style-src does not govern), and its icons are data: images.
 * connect-src 'self' lets it read /api/openapi.json and run "Try it out" here.
 */
const securityHeaders = strictPageHeaders('data:');

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Capture Backend API reference</title>
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${ASSETS}/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${ASSETS}/swagger-ui-bundle.js"></script>
    <script src="/api/docs/start.js"></script>
  </body>
</html>
`;

/** Renders /api/openapi.json; validatorUrl null: Swagger UI would otherwise send the document to an outside validator. */
const START_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/api/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
});
`;

export const apiDocumentRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'documents',
    summary: 'This document: every REST route as OpenAPI 3.1',
    auth: 'open',
    answer: z.record(z.string(), z.unknown()),
  },
  {
    method: 'get',
    path: '/api/asyncapi.json',
    tag: 'documents',
    summary: 'The Socket.IO protocol as AsyncAPI 3: every event in both directions, with its roles and acknowledgement',
    auth: 'open',
    answer: z.record(z.string(), z.unknown()),
  },
  {
    method: 'get',
    path: '/api/docs',
    tag: 'documents',
    summary: 'A browsable reference of this document (Swagger UI)',
    auth: 'open',
    answer: { contentType: 'text/html', description: 'The reference page.' },
  },
  {
    method: 'get',
    path: '/api/docs/start.js',
    tag: 'documents',
    summary: "The reference page's start-up script",
    auth: 'open',
    answer: { contentType: 'text/javascript', description: 'Starts Swagger UI on /api/openapi.json.' },
  },
];

/**
 * GET /api/openapi.json and /api/asyncapi.json, generated from the routes'
 * RouteDocs and the event specs on first request, and the reference page at
 * /api/docs. Open, like what they describe: they hold no data and no secrets.
 */
export function apiDocumentRoutes(version: string, routeDocs: readonly RouteDoc[]): Router {
  const router = Router();
  // Built on first request, not at start: about a hundred schema conversions for rarely read documents.
  let asyncApi: string | undefined;
  let openApi: string | undefined;
  router.get('/api/asyncapi.json', (_req, res) => {
    asyncApi ??= JSON.stringify(asyncApiDocument(version));
    res.type('application/json').send(asyncApi);
  });
  router.get('/api/openapi.json', (_req, res) => {
    openApi ??= JSON.stringify(openApiDocument(routeDocs, version));
    res.type('application/json').send(openApi);
  });
  router.get('/api/docs', securityHeaders, (_req, res) => {
    res.type('text/html').setHeader('Cache-Control', 'no-cache').send(PAGE);
  });
  router.get('/api/docs/start.js', securityHeaders, (_req, res) => {
    res.type('text/javascript').setHeader('Cache-Control', 'no-cache').send(START_SCRIPT);
  });
  router.use(
    ASSETS,
    securityHeaders,
    (req, _res, next) => (SWAGGER_UI_FILES.has(req.path.slice(1)) ? next() : next('router')),
    express.static(SWAGGER_UI_DIR, { index: false, dotfiles: 'ignore', fallthrough: false, maxAge: '1h' }),
  );
  return router;
}
