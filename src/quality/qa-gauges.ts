import { Gauge, type Registry } from 'prom-client';
import type { QaMetrics } from './qa-types';

/** The QA report's gauges, set whenever a report is made. */
export type QaGauges = ReturnType<typeof registerQaGauges>;

export function registerQaGauges(registry: Registry) {
  const registers = [registry];
  const analyzed = new Gauge({ name: 'turing_qa_sessions_analyzed', help: 'Sessions in the latest QA report', registers });
  const withIssues = new Gauge({
    name: 'turing_qa_sessions_with_issues',
    help: 'Sessions in the latest QA report with an overall quality score below 80',
    registers,
  });
  const average = new Gauge({
    name: 'turing_qa_average_score',
    help: 'Average QA score (0-100) by stage: capture_quality, validation, tracking_confidence, overall',
    labelNames: ['stage'] as const,
    registers,
  });
  return {
    report(scored: number, stats: QaMetrics['aggregateStats'], overall: number): void {
      analyzed.set(scored);
      withIssues.set(stats.sessionsWithIssues);
      average.set({ stage: 'capture_quality' }, stats.avgCaptureQuality);
      average.set({ stage: 'validation' }, stats.avgValidationScore);
      average.set({ stage: 'tracking_confidence' }, stats.avgTrackingConfidence);
      average.set({ stage: 'overall' }, overall);
    },
  };
}
