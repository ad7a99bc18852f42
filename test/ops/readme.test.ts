import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** README.md's endpoint table and layout describe the code as it is. */

const ROOT = path.resolve(__dirname, '../..');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** Every route the server registers, as "METHOD /path" (Express parameters as written). */
function registeredRoutes(): string[] {
  const routes = new Set<string>();
  for (const file of sourceFiles(path.join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8').replaceAll('${LOCAL_UPLOAD_PATH}', '/local-upload');
    for (const m of text.matchAll(/\brouter\.(get|post|put|delete|use)\(\s*[`']([^`']+)[`']/g)) {
      routes.add(`${m[1] === 'use' ? 'GET' : m[1]!.toUpperCase()} ${m[2]}`);
    }
  }
  return [...routes].sort();
}

describe('README.md', () => {
  const section = readme.slice(readme.indexOf('## Endpoints'), readme.indexOf('\n## ', readme.indexOf('## Endpoints') + 1));
  const rows = [...section.matchAll(/^\| (GET|POST|PUT|DELETE) \| `([^`]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`);

  it('lists every registered route in its one endpoint table', () => {
    const routes = registeredRoutes();
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((r) => !rows.includes(r))).toEqual([]);
    // Endpoint rows appear nowhere else in the README.
    const elsewhere = readme.replace(section, '').match(/^\| (GET|POST|PUT|DELETE) \|/gm);
    expect(elsewhere).toBeNull();
  });

  it('lists only routes that exist', () => {
    const routes = registeredRoutes();
    expect(rows.filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('describes each folder of src/ once, and only folders and files that exist', () => {
    const block = readme.slice(readme.indexOf('## Layout of `src/`'));
    const code = block.slice(block.indexOf('```') + 3, block.indexOf('```', block.indexOf('```') + 3));
    const named = [...code.matchAll(/^((?:src|web|scripts)\/\S*)/gm)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((p, i) => named.indexOf(p) !== i)).toEqual([]);
    expect(named.filter((p) => !existsSync(path.join(ROOT, p)))).toEqual([]);
    const folders = readdirSync(path.join(ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory());
    expect(folders.map((f) => `src/${f.name}/`).filter((f) => !named.includes(f))).toEqual([]);
  });
});
