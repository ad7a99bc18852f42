import { describe, expect, it } from 'vitest';
import { testConfig } from '../../src/config';
import { monthlyCosts, resolvePrices } from '../../src/storage-stats/costs';
import { summarise } from '../../src/storage-stats/s3-stats';

describe('storage prices', () => {
  it("defaults to the region's published rates", () => {
    expect(resolvePrices('eu-west-1', {})).toEqual({
      standard: 0.023,
      intelligentTiering: 0.0125,
      deepArchive: 0.00099,
      source: 'eu-west-1',
    });
  });

  it('falls back to us-east-1 for regions it has no rates for, and says so', () => {
    expect(resolvePrices('ap-south-2', {})).toMatchObject({ standard: 0.023, source: 'us-east-1 (no rates known for ap-south-2)' });
  });

  it('takes overrides from the configuration, one class at a time', () => {
    const config = testConfig({ S3_PRICE_STANDARD_GB_MONTH: '0.03', S3_PRICE_INTELLIGENT_TIERING_GB_MONTH: '' });
    const prices = resolvePrices(config.storageStats.region, config.storageStats.prices);
    expect(prices).toMatchObject({ standard: 0.03, intelligentTiering: 0.0125, deepArchive: 0.00099 });
    expect(() => testConfig({ S3_PRICE_STANDARD_GB_MONTH: '-1' })).toThrow(/S3_PRICE_STANDARD_GB_MONTH/);
    expect(() => testConfig({ QA_LOW_CONFIDENCE: '1.5' })).toThrow(/QA_LOW_CONFIDENCE/);
  });

  it('prices GB-months and splits the standard cost per session', () => {
    expect(monthlyCosts(100, 4, { standard: 0.02, intelligentTiering: 0.01, deepArchive: 0.001 })).toEqual({
      currentMonthly: 2,
      intelligentTiering: 1,
      glacierDeepArchive: 0.1,
      costPerSession: 0.5,
    });
    expect(monthlyCosts(0, 0, { standard: 0.02, intelligentTiering: 0.01, deepArchive: 0.001 }).costPerSession).toBe(0);
  });
});

describe('size summaries', () => {
  it('summarises sizes, with the median of an even count the mean of the middle two', () => {
    expect(summarise([4, 1, 3, 2], 1)).toEqual({ count: 4, min: 1, max: 4, avg: 2.5, median: 2.5 });
    expect(summarise([5, 1, 3], 1).median).toBe(3);
    expect(summarise([], 1)).toEqual({ count: 0, min: 0, max: 0, avg: 0, median: 0 });
  });
});
