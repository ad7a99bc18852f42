import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/**
 * The real entry point (src/server.ts) in a process of its own, for what an
 * in-process server cannot show: exit codes, signals, SIGKILL.
 *
 * It runs as `node --import tsx`, one process, so a signal reaches the server
 * itself (the tsx CLI would be a parent in between, and a SIGKILL to it
 * would orphan the server). `preload` modules are imported before the server.
 */
const ROOT = path.resolve(__dirname, '../..');

export interface ChildServer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Resolves once the output contains the text. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

export function runServer(env: Record<string, string>, options: { preload?: string[] } = {}): ChildServer {
  const imports = ['tsx', ...(options.preload ?? [])].flatMap((m) => ['--import', m]);
  const child = spawn(process.execPath, [...imports, 'src/server.ts'], {
    cwd: ROOT,
    // Only PATH and HOME from this machine: no REDIS_URL, no AWS, no .env.
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ENV_FILE: '/nonexistent/.env', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async waitForOutput(text, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      const seen = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      while (!seen()) {
        if (Date.now() > deadline)
          throw new Error(`no ${String(text)} in the server output within ${timeoutMs} ms:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Polls until the URL answers at all (the server is listening). */
export async function waitFor(url: string, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
