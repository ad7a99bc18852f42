import { describe, expect, it } from 'vitest';
import { identifiedHeadset } from '../helpers/clients';
import { csvFields } from '../helpers/csv';
import { serverFactory, useTestRedis } from '../helpers/test-server';

/**
 * Issue 37, item 11: a note or tag with a semicolon and a formula must not
 * become a formula cell in a spreadsheet that splits on semicolons.
 */
const redis = useTestRedis();

describe('the CSV export in any locale', () => {
  const make = serverFactory('memory', redis);

  it('quotes every text cell and neutralises formulas after any separator, and reads back as written', async () => {
    const server = await make();
    const headset = await identifiedHeadset(server, 'H1');
    expect((await headset.ask('headset-recording-state', true)).ok).toBe(true);
    expect((await headset.ask('headset-recording-state', false)).ok).toBe(true);
    const admin = { 'x-api-key': server.config.auth.adminApiKey };
    const list = (await (await fetch(`${server.url()}/api/recordings`, { headers: admin })).json()) as {
      recordings: Array<{ recordingId: string }>;
    };
    const recordingId = list.recordings[0]!.recordingId;
    const note = `fine;=HYPERLINK("http://evil","x");+1`;
    const patched = await fetch(`${server.url()}/api/recordings/${recordingId}`, {
      method: 'PATCH',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ note, tags: { site: '@lab;-2' } }),
    });
    expect(patched.status).toBe(200);

    const csv = await (await fetch(`${server.url()}/api/recordings/export?format=csv`, { headers: admin })).text();
    const [header, row] = csv.trim().split('\r\n');
    // Split on semicolons as a spreadsheet in many locales would, ignoring the quotes: no piece is a formula.
    expect(
      row!
        .split(';')
        .map((piece) => piece.replace(/^"/, ''))
        .filter((piece) => /^[=+\-@]/.test(piece)),
    ).toEqual([]);
    const cells = Object.fromEntries(csvFields(header!).map((name, i) => [name, csvFields(row!)[i]]));
    expect(cells.recordingId).toBe(recordingId);
    expect(cells.note).toBe(`fine;'=HYPERLINK("http://evil","x");'+1`);
    expect(cells.tags).toBe(`site=@lab;'-2`);
  });
});
