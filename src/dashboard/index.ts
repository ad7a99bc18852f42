import type { FeatureFactory } from '../feature/feature';
import { dashboardRoutes } from './dashboard-routes';

/** The operators' console: web/dashboard/public served at /dashboard (static files; it signs in like any client). */
export const dashboard: FeatureFactory = () => ({ name: 'dashboard', routes: dashboardRoutes() });
