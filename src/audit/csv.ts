import type { Response } from 'express';
import { drainedOrClosed } from '../http/back-pressure';
import type { TimelineEntry } from '../state/types';
import { csvField } from '../util/csv-field';

export const CSV_COLUMNS = ['id', 'at', 'kind', 'deviceIds', 'sessionId', 'actorKind', 'actorId', 'outcome', 'details'] as const;

export function csvRow(e: TimelineEntry): string {
  const fields = [
    e.id,
    e.at.toISOString(),
    e.kind,
    e.deviceIds.join(' '),
    e.sessionId ?? '',
    e.actor?.kind ?? '',
    e.actor?.id ?? '',
    e.outcome ?? '',
    e.details ? JSON.stringify(e.details) : '',
  ];
  return `${fields.map(csvField).join(',')}\r\n`;
}

/** Streams pages of entries as CSV, waiting for the client to drain between pages: memory holds one page at a time. */
export async function streamCsv(res: Response, filename: string, pages: AsyncIterable<TimelineEntry[]>): Promise<void> {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  res.write(`${CSV_COLUMNS.join(',')}\r\n`);
  for await (const page of pages) {
    if (res.destroyed) return;
    if (!res.write(page.map(csvRow).join(''))) await drainedOrClosed(res);
  }
  res.end();
}
