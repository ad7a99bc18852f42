import { Writable } from 'node:stream';

/** A stream to hand createLogger, and the log written to it so far (one JSON object a line). */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    text: () => lines.join(''),
    /** Every log record, parsed. */
    records: () =>
      lines
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown> & { msg?: string; level?: number }),
  };
}
