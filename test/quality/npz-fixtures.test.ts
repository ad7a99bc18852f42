import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseNpz } from '../../src/quality/analyse';
import type { NpzScore } from '../../src/quality/qa-score';
import { expectScoresMatch } from './score-match';

/**
 * Fixtures written by real numpy (fixtures/make_fixtures.py) and the scores
 * scripts/parse_npz.py computed for them (fixtures/expected.json): the
 * TypeScript reader and scoring must agree with them to 1e-6.
 */
const FIXTURES = path.join(__dirname, 'fixtures');
const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, Omit<NpzScore, 'issues'>>;
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.npz'));
const options = { maxNpzBytes: 64 * 1024 * 1024, lowConfidence: 0.5 };

/** Why each failing fixture fails: the right check must catch it, not an accident. */
const REASONS: Record<string, RegExp> = {
  'bad_date.npz': /capture_date is not an ISO 8601/,
  'future_date.npz': /capture_date is in the future/,
  'bad_frame_rate.npz': /frames per second, outside 1-240/,
  'corrupt_zip.npz': /unreadable NPZ: .*central directory/,
  'huge_header.npz': /header declares 4000000000000 bytes of data but the entry holds 400/,
  'zip_bomb.npz': /unreadable NPZ: too many bytes/,
  'missing_array.npz': /tracking_errors is missing/,
  'two_d_array.npz': /left_confidence has shape \(300, 2\)/,
  'unequal_lengths.npz': /different lengths \(600, 590\)/,
  'wrong_total_frames.npz': /total_frames is 601 but the arrays hold 600/,
  'zero_frames.npz': /duration_seconds is not a positive number/,
  'hostile_pickle.npz': /pickle refers to posix.system, which is not allowed/,
};

describe('NPZ fixtures scored like scripts/parse_npz.py', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    expect(files.length).toBeGreaterThanOrEqual(19);
  });

  for (const file of files) {
    it(file, async () => {
      const { score, cacheable } = await analyseNpz(async () => createReadStream(path.join(FIXTURES, file)), options);
      expect(cacheable).toBe(true);
      // Beyond parse_npz.py's output: the reasons, and the metadata facts the recordings' cross-checks read.
      const { issues, metadata: _metadata, ...rest } = score;
      if (rest.captureDate === undefined) delete rest.captureDate;
      expectScoresMatch(rest, expected[file], file);
      const valid = score.stages.stage10_validationTests;
      const passed = valid.npzIntegrityCheck && valid.frameCountCheck && valid.timestampConsistency;
      if (REASONS[file]) {
        expect(passed).toBe(false);
        expect(issues.join('; ')).toMatch(REASONS[file]);
      } else {
        expect(passed, issues.join('; ')).toBe(true);
        expect(issues).toEqual([]);
      }
    });
  }
});
