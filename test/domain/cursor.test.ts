import { describe, expect, it } from 'vitest';
import { CURSOR_LISTS, decodeCursor, decodeOptionalCursor, encodeCursor, MAX_CURSOR_TIME, type CursorList } from '../../src/domain/cursor';
import { DomainError } from '../../src/domain/errors';

const LISTS = Object.keys(CURSOR_LISTS) as CursorList[];
/** A position every list can hold. */
const positionFor = (list: CursorList) => ({ at: 1_765_000_000_123, id: CURSOR_LISTS[list].id.test('12.0') ? '12.0' : 'ABC-1' });
const raw = (text: string) => Buffer.from(text).toString('base64url');

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a refusal');
}

describe('the one cursor codec', () => {
  it('round-trips a position of every list through an opaque base64url string', () => {
    for (const list of LISTS) {
      const cursor = encodeCursor(list, positionFor(list));
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(list, cursor)).toEqual(positionFor(list));
    }
    expect(decodeCursor('commands', encodeCursor('commands', { at: 0, id: 'batch-1.QUEST_001' }))).toEqual({
      at: 0,
      id: 'batch-1.QUEST_001',
    });
    expect(decodeOptionalCursor('sessions', undefined)).toBeUndefined();
    expect(decodeOptionalCursor('sessions', '')).toBeUndefined();
  });

  it("refuses every list's cursor on every other list", () => {
    for (const from of LISTS) {
      const cursor = encodeCursor(from, positionFor(from));
      for (const to of LISTS.filter((l) => l !== from)) {
        expect(
          refusal(() => decodeCursor(to, cursor)),
          `${from} on ${to}`,
        ).toMatchObject({
          code: 'invalid_cursor',
          message: 'cursor is not one this API gave out',
        });
      }
    }
  });

  it('refuses what it did not write: garbage, stream IDs, old formats, bad numbers and IDs, non-canonical spellings', () => {
    const bad = [
      'garbage',
      '%%%garbage',
      '0-0.0',
      '1765000000123-0.0',
      'nope',
      'bm90LWEtY3Vyc29y',
      raw('1765000000123:S1'), // the old session cursor
      raw('1765000000123|cmd-1'), // the old command cursor
      raw('001765000000123|20260206_143000_H1'), // the old recording cursor
      '1765000000123.alarm-1', // the old alarm cursor
      raw('se|1765000000123|'),
      raw('se||S1'),
      raw('se|-1|S1'),
      raw('se|01|S1'),
      raw('se|1.5|S1'),
      raw(`se|${MAX_CURSOR_TIME + 1}|S1`),
      raw('se|1|bad id'),
      raw('se|1|S1|extra|'),
      raw('xx|1|S1'),
      raw('dt|1|0-0'),
      raw('dt|1|1.99999'),
      raw('al|1|a_b'),
      `${raw('se|1|S1')}=`,
      `${raw('se|1|S1')}A`,
      'A'.repeat(400),
      Buffer.from([0xff, 0xfe, 0x7c]).toString('base64url'),
    ];
    for (const cursor of bad) {
      expect(
        refusal(() => decodeCursor('sessions', cursor)),
        cursor,
      ).toMatchObject({ code: 'invalid_cursor' });
      expect(
        refusal(() => decodeCursor('device-timeline', cursor)),
        cursor,
      ).toMatchObject({ code: 'invalid_cursor' });
    }
    expect(decodeCursor('sessions', raw('se|1|S1'))).toEqual({ at: 1, id: 'S1' });
  });

  it('never makes a cursor it would refuse', () => {
    expect(() => encodeCursor('sessions', { at: -1, id: 'S1' })).toThrow(RangeError);
    expect(() => encodeCursor('sessions', { at: 1.5, id: 'S1' })).toThrow(RangeError);
    expect(() => encodeCursor('alarms', { at: 1, id: 'not an id' })).toThrow(RangeError);
  });
});
