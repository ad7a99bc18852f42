import { describe, expect, it } from 'vitest';
import { csvField } from '../../src/util/csv-field';
import { csvFields } from '../helpers/csv';

describe('csvField', () => {
  it('quotes every text cell and doubles its quotes, so the row reads back as written', () => {
    const values = ['plain', 'a,b', 'say "hi"', 'two\r\nlines', 'x;y', ''];
    const line = values.map(csvField).join(',');
    expect(csvFields(line)).toEqual(values);
    expect(values.map(csvField).every((cell) => cell.startsWith('"') && cell.endsWith('"'))).toBe(true);
  });

  it('neutralises a formula at the start of a value and after any separator inside it', () => {
    const note = `ok;=cmd|' /C calc'!A0,+1|@SUM(A1)\t-2`;
    const cell = csvField(note);
    // A spreadsheet splitting on semicolons, commas, tabs or pipes, with or without honouring quotes:
    for (const separator of [';', ',', '\t', '|']) {
      const pieces = cell.replace(/^"|"$/g, '').split(separator);
      expect(
        pieces.filter((p) => /^[=+\-@]/.test(p)),
        separator,
      ).toEqual([]);
    }
    expect(csvField('=1+1')).toBe(`"'=1+1"`);
    expect(csvField('-5')).toBe(`"'-5"`);
  });
});
