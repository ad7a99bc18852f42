import path from 'node:path';
import express, { Router } from 'express';
import { strictPageHeaders } from '../http/http-security';

/** web/dashboard/public at the repository root: the same two levels up from src/dashboard and dist/dashboard. */
const DASHBOARD_DIR = path.resolve(__dirname, '..', '..', 'web', 'dashboard', 'public');

/**
 * The page loads only its own files: scripts and styles from this origin (no
 * inline code), frames as blob: or data: images, Socket.IO and REST to this origin.
 */
const securityHeaders = strictPageHeaders('blob: data:');

/** The paths of the console's views (web/dashboard/public/js/router.js); a device ID as the server accepts them. */
const VIEW_PATHS = /^\/dashboard\/(?:sessions|recordings|alarms|datasets|devices\/[A-Za-z0-9_-]{1,64})\/?$/;

/**
 * GET /dashboard: the fleet dashboard, static files only. It holds no data
 * and no secrets: the page signs in against the REST API and Socket.IO like
 * any other client. The TypeScript-checked sources (JSDoc) are served as they
 * are, so there is no build step.
 */
export function dashboardRoutes(dir: string = DASHBOARD_DIR): Router {
  const router = Router();
  // The console's views have URLs of their own (js/router.js): each is the same page, which shows the view.
  // Static pages like the files below, so middleware rather than an API route (the OpenAPI document lists those).
  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !VIEW_PATHS.test(req.path)) return next();
    securityHeaders(req, res, () => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile('index.html', { root: dir, dotfiles: 'ignore' });
    });
  });
  router.use(
    '/dashboard',
    securityHeaders,
    express.static(dir, {
      index: 'index.html',
      extensions: false,
      dotfiles: 'ignore',
      setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
    }),
  );
  return router;
}
