/**
 * True when `value` nests objects and arrays at most `limit` levels deep.
 * Iterative, with an explicit stack: checking an attacker's 100,000-deep value
 * must not itself overflow the call stack, which is what it protects the rest
 * of the code (recursive validators, JSON.stringify, Redis encoding) from.
 */
export function jsonDepthWithin(value: unknown, limit: number): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > limit) return false;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return true;
}
