import { Writable } from 'node:stream';

/** A pino log line as JSON. */
export interface LogLine {
  level: number;
  time: string;
  msg: string;
  reqId?: string;
  [field: string]: unknown;
}

/** A stream to give createLogger, and what was written to it: as text, or as parsed JSON lines. */
export function captureLog() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  return { stream, text, lines };
}
