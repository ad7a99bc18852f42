import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Development secrets kept across restarts. Without JWT_SECRET and
 * ADMIN_API_KEY the server generates them (development only); if it made new
 * ones on every start, every device token and every saved dashboard key would
 * stop working at each restart. So the first start writes them to a file under
 * DATA_DIR (mode 0600, a dot-name the local storage never lists) and later
 * starts read them back. Configured variables always win.
 */
export const DEV_SECRETS_FILE = '.dev-secrets.json';

export type SecretName = 'JWT_SECRET' | 'ADMIN_API_KEY';

/** The same minimums as the configuration's, so a hand-edited file cannot weaken them. */
const fileSchema = z
  .object({
    JWT_SECRET: z.string().min(32).optional(),
    ADMIN_API_KEY: z.string().min(24).optional(),
  })
  .catchall(z.unknown());

export interface KeptSecrets {
  /** The file the secrets are kept in. */
  file: string;
  /** Values to use, by name: from the file, or the newly generated ones now saved there. */
  values: Partial<Record<SecretName, string>>;
  /** Names whose value was generated now (first start, or missing from the file). */
  created: SecretName[];
}

/**
 * Reads the kept secrets for `generated` (the names the configuration had to
 * generate) and saves any not yet kept. Throws if DATA_DIR cannot be written:
 * the caller then runs with this run's secrets and says so.
 */
export function keepDevSecrets(dataDir: string, generated: ReadonlyArray<{ name: string; value: string }>): KeptSecrets {
  const file = path.join(dataDir, DEV_SECRETS_FILE);
  const stored = readStored(file);
  const values: KeptSecrets['values'] = {};
  const created: SecretName[] = [];
  for (const { name, value } of generated) {
    if (name !== 'JWT_SECRET' && name !== 'ADMIN_API_KEY') continue;
    const kept = stored[name];
    if (kept) values[name] = kept;
    else {
      values[name] = value;
      created.push(name);
    }
  }
  if (created.length > 0) {
    mkdirSync(dataDir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ ...stored, ...values }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  }
  // Also tightens a file someone copied in with wider permissions.
  chmodSync(file, 0o600);
  return { file, values, created };
}

function readStored(file: string): Partial<Record<SecretName, string>> & Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/**
 * What the terminal is told about generated secrets: where they are kept (or
 * why they could not be), and their values, which the simulator and the
 * dashboard need. To the terminal, never the log: these are live credentials.
 */
export function devSecretsNotice(
  generated: ReadonlyArray<{ name: string; value: string }>,
  outcome: { kept: KeptSecrets } | { error: string },
): string {
  const names = generated.map((s) => s.name).join(' or ');
  if ('error' in outcome) {
    return (
      `\nWARNING: no ${names} configured, and they cannot be kept in DATA_DIR (${outcome.error}); generated for this run only` +
      ' (development). Tokens stop working when the server restarts. Make DATA_DIR writable, or set them in .env.\n' +
      generated.map((s) => `    ${s.name}=${s.value}\n`).join('') +
      '\n'
    );
  }
  const { kept } = outcome;
  const how = kept.created.length > 0 ? 'generated and saved in' : 'read from';
  return (
    `\nWARNING: no ${names} configured; development secrets ${how} ${kept.file} (mode 0600),` +
    ' so tokens keep working across restarts. Delete the file to make new ones; set them in .env for anything real.\n' +
    Object.entries(kept.values)
      .map(([name, value]) => `    ${name}=${value}\n`)
      .join('') +
    '\n'
  );
}
