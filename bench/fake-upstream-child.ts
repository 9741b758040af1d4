// The fake OpenAI-compatible upstream in a process of its own, for benchmarks: its CPU is not the
// benchmarked server's (nor the benchmark client's). Started by bench/fake-upstream-process.ts
// with an IPC channel:
//
//   child → parent  { type: 'ready', url, apiKey }            once listening (the URL is also printed)
//   parent → child  { id, cmd: 'behavior', latencyMs }        new behavior, fresh stats → { id, ok: true }
//   parent → child  { id, cmd: 'stats' }                      → { id, stats }
//   parent → child  { id, cmd: 'close' }                      → { id, ok: true }, then exits
//
// It exits when the parent goes away (the IPC channel closes), so it never outlives a benchmark.

import { startFakeOpenAI } from '../test/support/fake-openai/fake-openai.ts';
import type { FakeUpstreamStats, ParentMessage } from './fake-upstream-process.ts';

const fake = await startFakeOpenAI({
  // Any model name is served; only the run's upstream model is called.
  strictModels: false,
  // Every arrival time, for the per-100-ms arrival histogram (8 bytes a call: 8 MB per million).
  maxRequestTimes: 5_000_000,
});

function snapshot(): FakeUpstreamStats {
  const s = fake.stats;
  return {
    requests: s.requests,
    byOutcome: { ...s.byOutcome },
    byModel: { ...s.byModel },
    inFlight: s.inFlight,
    maxInFlight: s.maxInFlight,
    maxInFlightByModel: { ...s.maxInFlightByModel },
    usageByModel: structuredClone(s.usageByModel),
    firstRequestAt: s.firstRequestAt,
    lastRequestAt: s.lastRequestAt,
    arrivalsPer100ms: histogram(s.requestTimes, s.firstRequestAt),
  };
}

/** Arrivals per 100 ms from the first one (the buckets a run's calls fell in, gaps included). */
function histogram(times: readonly number[], first: number | null): number[] {
  if (first === null || times.length === 0) return [];
  const out: number[] = [];
  for (const t of times) {
    const b = Math.floor((t - first) / 100);
    while (out.length <= b) out.push(0);
    out[b] = (out[b] ?? 0) + 1;
  }
  return out;
}

const send = (message: unknown): void => {
  if (process.send !== undefined && process.connected) process.send(message);
};

process.on('message', (raw: unknown) => {
  const message = raw as ParentMessage;
  switch (message.cmd) {
    case 'behavior':
      fake.setBehavior(message.latencyMs > 0 ? { latencyMs: message.latencyMs } : {});
      fake.resetStats();
      send({ id: message.id, ok: true });
      return;
    case 'stats':
      send({ id: message.id, stats: snapshot() });
      return;
    case 'close':
      void fake.close().finally(() => {
        send({ id: message.id, ok: true });
        process.disconnect();
        process.exit(0);
      });
      return;
  }
});

process.on('disconnect', () => {
  void fake.close().finally(() => process.exit(0));
});

process.stdout.write(`fake upstream listening on ${fake.url}\n`);
send({ type: 'ready', url: fake.url, apiKey: fake.apiKey });
