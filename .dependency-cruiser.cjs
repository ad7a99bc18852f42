/**
 * The direction of the source's imports, checked by `npm run lint:deps` (part of
 * `npm test`). docs/ARCHITECTURE.md explains the layers; in short:
 *
 *   app.ts, server.ts, features.ts      the composition root and entry point
 *   src/<feature>/                      one folder per feature (any folder not named below)
 *   feature/ http/ realtime/ hardening/ the Feature contract and the transports
 *   state/ storage/                     the adapters
 *   domain/ protocol/ config/ util/ and the top-level helpers (auth, metrics, logger, validation)
 *
 * A feature may use the layers below it and another feature only through its
 * index.ts; nothing below the features imports one.
 */
const NOT_FEATURES = ['feature', 'http', 'realtime', 'hardening', 'state', 'storage', 'domain', 'protocol', 'config', 'util', 'client'];
const FEATURE_FOLDER = `^src/(?!(?:${NOT_FEATURES.join('|')})/)([^/]+)/`;
const KERNEL = '^src/(realtime|http|protocol|domain|state|storage)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'An import cycle between files: break it by moving the shared part down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'An import cycle between folders: a folder that imports another must not be imported by it (directly or not).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'transports-know-no-feature',
      comment:
        'The transports, the protocol, the domain and the adapters know no feature: the features bring their routes, sockets and events.',
      severity: 'error',
      from: { path: KERNEL },
      to: { path: FEATURE_FOLDER },
    },
    {
      name: 'features-meet-at-their-index',
      comment: "A feature uses another feature only through that feature's index.ts (or a domain event), never its internals.",
      severity: 'error',
      from: { path: FEATURE_FOLDER },
      to: { path: FEATURE_FOLDER, pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$'] },
    },
    {
      name: 'the-feature-contract-knows-no-feature',
      comment: 'src/feature/ defines the contract every feature implements; it imports none of them.',
      severity: 'error',
      from: { path: '^src/feature/' },
      to: { path: FEATURE_FOLDER },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle of types is a cycle for a reader too.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.d\\.ts$' },
  },
};
