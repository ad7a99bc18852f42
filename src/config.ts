/**
 * Environment -> one typed, frozen Config. This folder (./config/) is the only
 * place that knows variable names; everything else receives a Config. Defaults
 * are the embedded ones: no Redis, local storage, generated development secrets.
 *
 * The variables and their forms are in ./config/env-schema.ts, the Config type in
 * ./config/types.ts, the loading in ./config/load.ts.
 */
export { ConfigError, loadConfig, testConfig } from './config/load';
export type {
  AlarmConfig,
  Config,
  Env,
  LoadedConfig,
  RedisConnectionConfig,
  RequestTimeouts,
  S3StorageOptions,
  TtlConfig,
} from './config/types';
