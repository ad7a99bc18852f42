import fc from 'fast-check';

/**
 * Hostile inputs shared by the socket and REST fuzzers: what a buggy headset
 * build or someone on the open internet might send.
 */

/** Runs and seed come from the environment so a failure reproduces: FUZZ_SEED=<printed seed>. */
export function fuzzSettings(name: string, defaultRuns: number) {
  const seed = Number(process.env.FUZZ_SEED ?? 20261121);
  const numRuns = Number(process.env.FUZZ_RUNS ?? defaultRuns);
  console.log(`[fuzz] ${name}: seed=${seed} numRuns=${numRuns} (set FUZZ_SEED / FUZZ_RUNS to change)`);
  return { seed, numRuns };
}

/** IDs a fuzzer reuses, so generated payloads also reach the code behind validation. */
export const VALID_HEADSETS = ['QUEST_001', 'QUEST_002'];
export const VALID_TABLET = 'TABLET_A';

export const TRAVERSALS = [
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '....//....//etc/passwd',
  'sessions/../../secret',
  '/etc/passwd',
  'a\u0000b',
  '\u202e\u0000',
  '~/.ssh/id_rsa',
  'file:///etc/passwd',
  'QUEST_001/../../x',
];

/** Objects whose own keys try to reach Object.prototype once merged or copied. */
const POISON_JSON = [
  '{"__proto__":{"polluted":"yes"}}',
  '{"constructor":{"prototype":{"polluted":"yes"}}}',
  '{"prototype":{"polluted":"yes"}}',
  '{"deviceId":"QUEST_001","timestamp":1,"__proto__":{"polluted":"yes"}}',
  '{"deviceIds":["QUEST_001"],"metadata":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}}',
  '{"a":{"b":{"__proto__":{"polluted":"yes"}}}}',
  '[{"__proto__":{"polluted":"yes"}}]',
];
export const poisoned = fc.constantFrom(...POISON_JSON).map((json) => JSON.parse(json) as unknown);

export const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(...TRAVERSALS, '__proto__', 'constructor', 'prototype', '', ' ', 'null', 'undefined', '{}', '[]'),
  fc.constantFrom(...VALID_HEADSETS, VALID_TABLET, 'quest_001', 'QUEST 001', 'Q'.repeat(65)),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const hugeArray = fc
  .integer({ min: 500, max: 20_000 })
  .chain((n) => fc.constantFrom<unknown>('QUEST_001', 1, null, {}).map((item) => Array.from({ length: n }, () => item)));

const deepNesting = fc.integer({ min: 20, max: 400 }).map((depth) => {
  let value: unknown = 'QUEST_001';
  // Each level holds the one below once: a shared child twice would make the size exponential.
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { deviceId: 'QUEST_001', deviceIds: ['QUEST_002'], metadata: value };
  return value;
});

const binary = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.integer({ min: 1, max: 256 * 1024 }).map((n) => Buffer.alloc(n, 0xff)),
);

/** Well-shaped payloads with hostile parts, to get past the first checks. */
const nearlyValid = fc.oneof(
  fc.record({
    deviceIds: fc.array(hostileString, { maxLength: 5 }),
    metadata: fc.option(fc.dictionary(hostileString, fc.jsonValue(), { maxKeys: 4 })),
  }),
  fc.record({
    deviceId: hostileString,
    timestamp: fc.oneof(fc.integer(), fc.double(), fc.constant('now')),
    batteryLevel: fc.oneof(fc.double(), fc.string()),
    wifiSSID: hostileString,
  }),
  fc.array(hostileString, { maxLength: 5 }),
);

const anything = fc.anything({
  maxDepth: 4,
  maxKeys: 6,
  withBigInt: false, // not serialisable by Socket.IO or JSON: a client could not send it
  withBoxedValues: false,
  withMap: false,
  withSet: false,
  withDate: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
});

/** Valid values, so some commands succeed and the invariants are checked against real locks and sessions. */
const plausible = fc.oneof(
  fc.constantFrom<unknown>(...VALID_HEADSETS, true, false),
  fc.subarray(VALID_HEADSETS, { minLength: 1 }).map((deviceIds) => ({ deviceIds })),
  fc.constantFrom(...VALID_HEADSETS).map((deviceId) => ({ deviceId, timestamp: Date.now(), batteryLevel: 50 })),
);

export const hostilePayload: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: plausible, weight: 5 },
  { arbitrary: anything, weight: 4 },
  { arbitrary: hostileString, weight: 4 },
  { arbitrary: nearlyValid, weight: 4 },
  { arbitrary: poisoned, weight: 3 },
  { arbitrary: binary, weight: 2 },
  { arbitrary: hugeArray, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: fc.constantFrom(null, undefined, true, 0, -1, Number.MAX_SAFE_INTEGER, 1e308), weight: 1 },
);
