import { runScale } from './load';
void runScale({ processes: 2, devices: Number(process.argv[2] ?? 3000), dashboards: 4, seconds: 10, batchMs: 500, subscription: 'batched' }).then((r) =>
  console.log(JSON.stringify({ p50: r.p50, p99: r.p99, cpu: r.cpuPct, gen: r.generatorCpuPct, redis: r.redisCpuPct, delivered: r.deliveredPct, sent: r.sent })),
);
