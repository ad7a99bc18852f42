import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Collects garbage every `intervalMs` until the returned function is called: what
 * `node --expose-gc` and a busy heap do to objects nothing holds. global.gc when the
 * process was started with --expose-gc; otherwise the flag is set now and the
 * function taken from a fresh context (V8 installs `gc` on contexts made after it).
 */
export function gcPressure(intervalMs = 20): () => void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  const collect = gc;
  const timer = setInterval(() => collect(), intervalMs);
  return () => clearInterval(timer);
}
