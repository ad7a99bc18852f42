/** Process helpers shared by the benchmarks: free ports and what /proc says about a child process. */
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

/** User + system CPU seconds a process has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** User and system (kernel) CPU seconds a process has used so far, apart, as /usr/bin/time reports them. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** Write syscalls (write, writev, sendmsg...) a process has made so far, from /proc/PID/io: a count machine noise does not move. */
export function writeSyscalls(pid: number): number {
  const match = readFileSync(`/proc/${pid}/io`, 'utf8').match(/syscw:\s+(\d+)/);
  return match ? Number(match[1]) : Number.NaN;
}

/** Resident memory now (VmRSS) or the kernel's peak-RSS mark (VmHWM), in bytes. */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Polls until `ready` resolves true, or fails after about `timeoutMs`. */
export async function waitUntil(ready: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start`);
}

/** The p-th percentile of ascending samples (nearest rank). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Whether something accepts TCP connections on the loopback port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
