/**
 * Monthly storage cost estimates, in USD per GB-month (AWS bills a GB as 2^30
 * bytes). Defaults are AWS's published list prices for the first 50 TB of each
 * class; every one can be overridden in the configuration (see docs/QUALITY.md),
 * which is also the way to follow AWS price changes.
 *
 * intelligentTiering is the Infrequent Access tier: recordings are written
 * once and rarely read, so after 30 days Intelligent-Tiering keeps them there.
 * Per-object monitoring fees and request charges are not included.
 */

export interface StoragePrices {
  standard: number;
  intelligentTiering: number;
  deepArchive: number;
}

const US_EAST_1: StoragePrices = { standard: 0.023, intelligentTiering: 0.0125, deepArchive: 0.00099 };

/**
 * Regions whose published rates are listed here (all at the same prices); other
 * regions fall back to these and say so: set the S3_PRICE_* variables there.
 */
const REGION_PRICES: Readonly<Record<string, StoragePrices>> = {
  'us-east-1': US_EAST_1,
  'us-east-2': US_EAST_1,
  'us-west-2': US_EAST_1,
  'eu-west-1': US_EAST_1,
};

export interface ResolvedPrices extends StoragePrices {
  /** Where the defaults came from, e.g. 'eu-west-1' or 'us-east-1 (no rates known for ap-south-2)'. */
  source: string;
}

export function resolvePrices(region: string, overrides: Partial<StoragePrices>): ResolvedPrices {
  const known = REGION_PRICES[region];
  const base = known ?? US_EAST_1;
  return {
    standard: overrides.standard ?? base.standard,
    intelligentTiering: overrides.intelligentTiering ?? base.intelligentTiering,
    deepArchive: overrides.deepArchive ?? base.deepArchive,
    source: known ? region : `us-east-1 (no rates known for ${region})`,
  };
}

export interface Costs {
  currentMonthly: number;
  intelligentTiering: number;
  glacierDeepArchive: number;
  costPerSession: number;
}

export function monthlyCosts(totalGB: number, sessions: number, prices: StoragePrices): Costs {
  const currentMonthly = totalGB * prices.standard;
  return {
    currentMonthly,
    intelligentTiering: totalGB * prices.intelligentTiering,
    glacierDeepArchive: totalGB * prices.deepArchive,
    costPerSession: sessions === 0 ? 0 : currentMonthly / sessions,
  };
}
