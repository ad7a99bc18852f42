import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Beside test/ops/readme.test.ts (folders of src/, endpoints): the README layout
 * also names every top-level file of src/, and docs/ARCHITECTURE.md every folder.
 */

const ROOT = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Layout of `src/`'), readme.indexOf('\n## ', readme.indexOf('## Layout of `src/`') + 1));
const entries = readdirSync(path.join(ROOT, 'src')).map((name) => `src/${name}`);
const isFolder = (entry: string) => statSync(path.join(ROOT, entry)).isDirectory();

describe('README layout and docs/ARCHITECTURE.md', () => {
  it('the README layout names every top-level file of src/', () => {
    expect(entries.filter((entry) => !isFolder(entry) && !section.includes(entry))).toEqual([]);
  });

  it('the README layout links the architecture document, which names every folder of src/', () => {
    expect(section).toContain('docs/ARCHITECTURE.md');
    const architecture = readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    expect(entries.filter((entry) => isFolder(entry) && !architecture.includes(`${entry}/`))).toEqual([]);
  });

  it('docs/ARCHITECTURE.md draws every feature of the feature list in its map, and shows how to add one', () => {
    const architecture = readFileSync(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8');
    const map = architecture.slice(
      architecture.indexOf('## The map'),
      architecture.indexOf('\n## ', architecture.indexOf('## The map') + 1),
    );
    const drawing = map.slice(map.indexOf('```') + 3, map.indexOf('```', map.indexOf('```') + 3));
    const list = readFileSync(path.join(ROOT, 'src', 'features.ts'), 'utf8');
    const features = [...list.matchAll(/^import \{ \w+ \} from '\.\/([a-z-]+)';$/gm)].map((m) => m[1]!);
    expect(features.length).toBeGreaterThan(10);
    expect(features.filter((f) => !new RegExp(`\\b${f}\\b`).test(drawing))).toEqual([]);
    expect(architecture).toContain('## Adding a feature');
    expect(architecture).toContain('src/features.ts');
  });
});
