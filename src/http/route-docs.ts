import type { Config } from '../config';
import { alarmRouteDocs } from '../alarms/alarm-routes';
import { auditRouteDocs } from '../audit/audit-routes';
import { recordingRouteDocs } from '../recordings/recording-routes';
import { webhookRouteDocs } from '../webhooks/webhook-routes';
import { commandRouteDocs } from '../commands/command-routes';
import { fleetRouteDocs } from '../fleet/fleet-routes';
import { qaRouteDocs } from '../quality/qa-routes';
import { sessionRouteDocs } from '../sessions/session-routes';
import { storageStatsRouteDocs } from '../storage-stats/stats-routes';
import { legacyUploadRouteDocs } from '../uploads/legacy-upload';
import { localPartRouteDocs } from '../uploads/local-part-routes';
import { chunkedUploadRouteDocs } from '../uploads/upload-routes';
import { apiDocumentRouteDocs } from './api-document-routes';
import { authRouteDocs } from './auth-routes';
import { healthRouteDocs } from './health-routes';
import type { RouteDoc } from './route-doc';

/**
 * Every REST route's documentation, feature by feature: the source of
 * /api/openapi.json. A feature with new routes adds its RouteDoc list here.
 */
export function routeDocs(config: Config): RouteDoc[] {
  return [
    ...healthRouteDocs,
    ...authRouteDocs,
    ...fleetRouteDocs,
    ...sessionRouteDocs,
    ...chunkedUploadRouteDocs(config.limits.maxUploadBytes),
    // Registered only with the local storage driver; documented always, since a client cannot tell in advance.
    ...localPartRouteDocs,
    ...legacyUploadRouteDocs,
    ...qaRouteDocs,
    ...storageStatsRouteDocs,
    ...commandRouteDocs,
    ...auditRouteDocs,
    ...alarmRouteDocs,
    ...recordingRouteDocs,
    ...webhookRouteDocs,
    ...apiDocumentRouteDocs,
  ];
}
