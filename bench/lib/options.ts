/** The benchmarks' command line: `--name value` numbers and `--flag` switches. */

const argv = process.argv.slice(2);

/** The number after `--name`, or `fallback` when the option is absent. */
export function numberOption(name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** Whether `--name` was given. */
export function flagOption(name: string): boolean {
  return argv.includes(`--${name}`);
}

/** The text after `--name`, or `fallback` when the option is absent. */
export function textOption(name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
}
