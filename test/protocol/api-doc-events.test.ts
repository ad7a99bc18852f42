import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientEvents } from '../../src/protocol/client-events';
import { serverEvents } from '../../src/protocol/server-events';

/** docs/API.md's map of the spec README's diagram names only events the protocol defines. */

const doc = readFileSync(path.resolve(__dirname, '../../docs/API.md'), 'utf8');
const start = doc.indexOf("### The spec README's data flow");
const section = doc.slice(start, doc.indexOf('\n### ', start + 1));
const rows = [...section.matchAll(/^\| (.+?) \| (.+) \|$/gm)].slice(2);

describe("docs/API.md's data-flow map", () => {
  it('covers every name of the diagram', () => {
    const diagram = rows.map(([, names]) => names).join(' ');
    for (const name of [
      'session-created',
      'on-device-locked',
      'start-recording',
      'on-recording-started',
      'stop-recording',
      'upload-complete',
      'session-ended',
    ]) {
      expect(diagram).toContain(`\`${name}`);
    }
  });

  it('answers only with events the protocol defines', () => {
    const known = new Set([...Object.keys(serverEvents), ...Object.keys(clientEvents)]);
    const named = rows.flatMap(([, , answer]) =>
      [...answer!.matchAll(/`((?:on|headset|tablet|device|dashboard)-[a-z-]+)/g)].map((m) => m[1]!),
    );
    expect(named.length).toBeGreaterThan(10);
    // "there is no X" names what does not exist, on purpose.
    const denied = new Set(rows.flatMap(([, , answer]) => [...answer!.matchAll(/there is no `([a-z-]+)`/g)].map((m) => m[1]!)));
    expect(named.filter((n) => !known.has(n) && !denied.has(n))).toEqual([]);
    for (const name of denied) expect(known.has(name), name).toBe(false);
  });
});
