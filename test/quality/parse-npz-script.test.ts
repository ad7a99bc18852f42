import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { expectScoresMatch } from './score-match';

/**
 * scripts/parse_npz.py must still produce the committed expectations, so the
 * TypeScript and the team's Python tool cannot drift apart. Needs Python 3
 * with numpy, like the Redis tests need redis-server: /usr/bin/python3 with
 * Debian's python3-numpy (installed by .ci/run), or set PYTHON.
 */
const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');
const FIXTURES = path.join(__dirname, 'fixtures');
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';

describe('scripts/parse_npz.py', () => {
  it('reproduces expected.json for every fixture', async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.npz'));
    const { stdout } = await run(PYTHON, [path.join(ROOT, 'scripts', 'parse_npz.py'), '--json', ...files], {
      cwd: FIXTURES,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((err: Error) => {
      throw new Error(`${PYTHON} scripts/parse_npz.py failed (needs numpy: apt-get install python3-numpy, or set PYTHON): ${err.message}`);
    });
    const reports = JSON.parse(stdout) as Record<string, { score: Record<string, unknown> }>;
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(reports).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, report] of Object.entries(reports)) {
      const { issues, ...score } = report.score;
      expect(Array.isArray(issues)).toBe(true);
      expectScoresMatch(score, expected[file], file);
    }
  });

  it('prints a readable report of arrays, metadata and scores', async () => {
    const { stdout } = await run(PYTHON, [path.join(ROOT, 'scripts', 'parse_npz.py'), path.join(FIXTURES, 'good_object_f32.npz')]);
    expect(stdout).toMatch(/left_confidence\s+<f4\s+shape \(600,\)/);
    expect(stdout).toMatch(/"capture_date": "2026-02-06T14:30:52Z"/);
    expect(stdout).toMatch(/overallQualityScore\s+83\.149/);
  });
});
