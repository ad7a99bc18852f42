import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * The code blocks of docs/CLIENT.md, made runnable as they are written: each ```ts block
 * becomes an async function of the names it uses but does not declare (`url`, `token`, a
 * `show` callback...), given by the test; its `import` lines are taken out and their names
 * given from the modules the test maps the specifiers to. Nothing else of the text changes.
 */

export interface DocExample {
  /** The heading the block is under (`## A tablet`). */
  heading: string;
  code: string;
  /** Run it with its free names and the imported modules. */
  run(env: Record<string, unknown>, modules: Record<string, Record<string, unknown>>): Promise<unknown>;
}

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*'([^']+)';\s*$/gm;

export function docExamples(file: string): DocExample[] {
  const text = readFileSync(file, 'utf8');
  const examples: DocExample[] = [];
  let heading = '';
  const fence = /^(#{1,3} .*)$|^```ts\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    if (m[1]) heading = m[1];
    else if (m[2] !== undefined) examples.push(example(heading, m[2]));
  }
  return examples;
}

function example(heading: string, code: string): DocExample {
  const imports: Array<{ names: string[]; from: string }> = [];
  const body = code.replace(IMPORT, (_line, names: string, from: string) => {
    imports.push({ names: names.split(',').map((n) => n.trim().replace(/^type\s+/, '')), from });
    return '';
  });
  return {
    heading,
    code,
    async run(env, modules) {
      const given: Record<string, unknown> = { ...env };
      for (const { names, from } of imports) {
        const mod = modules[from];
        if (!mod) throw new Error(`${heading}: no module given for '${from}'`);
        for (const name of names.filter(Boolean)) given[name] = mod[name];
      }
      const params = Object.keys(given);
      const source = `const __example = async ({ ${params.join(', ')} }) => {\n${body}\n};`;
      const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022 }, fileName: 'example.ts' }).outputText;
      // Running the document's code is the point: it is this repository's own text, not input.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      const make = new Function(`${js}\nreturn __example;`) as () => (env: Record<string, unknown>) => Promise<unknown>;
      return make()(given);
    },
  };
}
