/** What a simulated fleet has done so far; the CLI prints it, tests and benchmarks read it. */
export class FleetStats {
  headsetsOnline = 0;
  tabletsOnline = 0;
  framesSent = 0;
  telemetrySent = 0;
  recordingCommands = 0;
  sessionsStarted = 0;
  sessionsEnded = 0;
  uploadsCompleted = 0;
  uploadsFailed = 0;
  /** Uploads that needed more than one attempt (a restart met them) and then completed. */
  uploadsRetried = 0;
  bytesUploaded = 0;
  errors = 0;
  lastError?: string;
  /** Errors by kind: the message with device, session and upload IDs and numbers taken out (at most 50 kinds). */
  readonly errorKinds = new Map<string, number>();

  error(message: string): void {
    this.errors++;
    this.lastError = message;
    const kind = message
      .replace(/\b[A-Z]+_[A-Z]?\d+\b/g, '<device>')
      .replace(/session_\d+_[\w-]+/g, '<session>')
      .replace(/\d+/g, 'N')
      .slice(0, 160);
    if (this.errorKinds.has(kind) || this.errorKinds.size < 50) this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
  }

  snapshot() {
    const { errorKinds: _, ...counts } = this;
    return { ...counts };
  }
}

/** One progress line; `previous` (a snapshot `seconds` ago) gives rates. */
export function progressLine(
  now: FleetStats,
  previous: ReturnType<FleetStats['snapshot']>,
  seconds: number,
  headsets: number,
  tablets: number,
): string {
  const rate = (a: number, b: number) => Math.round((a - b) / Math.max(seconds, 0.001));
  const mb = (now.bytesUploaded / (1024 * 1024)).toFixed(1);
  const parts = [
    new Date().toISOString().slice(11, 19),
    `headsets ${now.headsetsOnline}/${headsets}`,
    `tablets ${now.tabletsOnline}/${tablets}`,
    `frames ${now.framesSent} (${rate(now.framesSent, previous.framesSent)}/s)`,
    `telemetry ${now.telemetrySent}`,
    `sessions ${now.sessionsEnded} done, ${now.sessionsStarted - now.sessionsEnded} running`,
    `uploads ${now.uploadsCompleted} (${mb} MB)${now.uploadsFailed ? `, ${now.uploadsFailed} failed` : ''}`,
  ];
  if (now.errors > 0) parts.push(`errors ${now.errors} (last: ${now.lastError})`);
  return parts.join(' | ');
}
