import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** README's "Layout of src/" section must list the tree as it is: every folder and top-level file, nothing else. */

const ROOT = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Layout of `src/`'), readme.indexOf('## Operations'));
const listed = new Set((section.match(/^src\/[\w./-]+/gm) ?? []).map((entry) => entry.replace(/\/$/, '')));

const inTree = readdirSync(path.join(ROOT, 'src')).map((name) => `src/${name}`);

describe('README layout of src/', () => {
  it('names every folder and top-level file of src/', () => {
    expect(inTree.filter((entry) => !listed.has(entry))).toEqual([]);
  });

  it('names nothing that is not there', () => {
    const missing = [...listed].filter((entry) => {
      try {
        statSync(path.join(ROOT, entry));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it('links the architecture document, which names every feature folder', () => {
    expect(section).toContain('docs/ARCHITECTURE.md');
    const architecture = readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    const folders = inTree.filter((entry) => statSync(path.join(ROOT, entry)).isDirectory());
    expect(folders.filter((folder) => !architecture.includes(`${folder}/`))).toEqual([]);
  });
});
