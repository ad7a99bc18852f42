/**
 * Operator CLI: mints a device token through the server's POST /auth/device-token
 * (admin API key required) and prints it.
 *
 *   npm run -s token -- --device QUEST_001 --type headset [--url http://localhost:3200]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { deviceIdSchema, deviceTypeSchema } from '../src/auth';

const USAGE = `Usage: npm run -s token -- --device <id> --type <headset|tablet|dashboard> [options]

Mints a device token through POST /auth/device-token and prints it on stdout.

Options:
  --device <id>     device ID: 1-64 of a-z A-Z 0-9 _ -   (e.g. QUEST_001)
  --type <type>     headset, tablet or dashboard
  --url <url>       server base URL (default http://localhost:3200)
  --api-key <key>   admin API key (default: ADMIN_API_KEY from the environment or ./.env)
  --json            print the whole response as JSON instead of the bare token
  -h, --help        this help
`;

const REQUEST_TIMEOUT_MS = 10_000;

const optionsSchema = z.object({
  deviceId: z.string({ message: 'missing (e.g. --device QUEST_001)' }).pipe(deviceIdSchema),
  deviceType: z.string({ message: 'missing: headset, tablet or dashboard' }).pipe(deviceTypeSchema),
  url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
  apiKey: z.string({ message: 'missing: set ADMIN_API_KEY or pass --api-key' }).min(1, 'missing: set ADMIN_API_KEY or pass --api-key'),
  json: z.boolean(),
});
export type TokenOptions = z.infer<typeof optionsSchema>;

const responseSchema = z.object({
  ok: z.literal(true),
  token: z.string().min(1),
  deviceId: z.string(),
  deviceType: z.string(),
  expiresIn: z.string(),
});
export type TokenResponse = z.infer<typeof responseSchema>;

/** A failure to explain to the operator; exitCode 2 for usage errors. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const FIELD_NAMES: Record<string, string> = { deviceId: '--device', deviceType: '--type', url: '--url', apiKey: 'admin API key' };

export function parseOptions(argv: string[], env: Record<string, string | undefined>): TokenOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        device: { type: 'string' },
        type: { type: 'string' },
        url: { type: 'string', default: 'http://localhost:3200' },
        'api-key': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}. Run with --help for usage.`, 2);
  }
  if (values.help) return 'help';
  const parsed = optionsSchema.safeParse({
    deviceId: values.device,
    deviceType: values.type,
    url: values.url,
    apiKey: values['api-key'] ?? env.ADMIN_API_KEY,
    json: values.json,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${FIELD_NAMES[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`);
    throw new CliError(`invalid arguments:\n${problems.join('\n')}\nRun with --help for usage.`, 2);
  }
  return parsed.data;
}

/** The server's own error message from a JSON error body, shortened; else the status text. */
async function serverMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  let message = text;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const detail = body.error ?? body.message;
    // An object would print as [object Object]: show its JSON instead.
    if (detail !== undefined && detail !== null) message = typeof detail === 'string' ? detail : JSON.stringify(detail);
  } catch {
    // not JSON: show the text itself
  }
  message = message.replace(/\s+/g, ' ').trim().slice(0, 300);
  return message || res.statusText || 'no message';
}

export async function requestDeviceToken(options: TokenOptions): Promise<TokenResponse> {
  // Relative to the base URL, so a server under a path prefix works too.
  const endpoint = new URL('auth/device-token', options.url.endsWith('/') ? options.url : `${options.url}/`);
  let res: Response;
  try {
    res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': options.apiKey },
      body: JSON.stringify({ deviceId: options.deviceId, deviceType: options.deviceType }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new CliError(`cannot reach the server at ${options.url} (${reason}). Is it running? Pass its address with --url.`);
  }
  if (res.status === 401 || res.status === 403) {
    throw new CliError(`the server refused the admin API key (${res.status}): check ADMIN_API_KEY or --api-key.`);
  }
  if (res.status === 404) {
    throw new CliError(`${endpoint.href} does not exist (404): is ${options.url} a Capture Backend with device tokens?`);
  }
  if (!res.ok) {
    throw new CliError(`the server answered ${res.status}: ${await serverMessage(res)}`);
  }
  const body = responseSchema.safeParse(await res.json().catch(() => undefined));
  if (!body.success) throw new CliError(`unexpected answer from ${endpoint.href}: no token in the response`);
  return body.data;
}

interface Output {
  write(text: string): unknown;
}

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>, stdout: Output, stderr: Output): Promise<number> {
  try {
    const options = parseOptions(argv, env);
    if (options === 'help') {
      stdout.write(USAGE);
      return 0;
    }
    const token = await requestDeviceToken(options);
    // stdout carries only the token (or JSON), so TOKEN=$(npm run -s token -- ...) works.
    stdout.write(options.json ? `${JSON.stringify(token)}\n` : `${token.token}\n`);
    stderr.write(`token for ${token.deviceType} ${token.deviceId}, valid for ${token.expiresIn}\n`);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      stderr.write(`token: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

if (require.main === module) {
  // On the server host the admin key sits in .env, as for the server (the environment wins).
  const envFile = process.env.ENV_FILE ?? '.env';
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  void main(process.argv.slice(2), process.env, process.stdout, process.stderr).then((code) => {
    process.exitCode = code;
  });
}
