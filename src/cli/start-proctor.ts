import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app.ts';
import type { Services } from '../api/services.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { GraderContext } from '../graders/grader-registry.ts';
import { MetricPool } from '../graders/metric-pool.ts';
import { PythonSandboxPool } from '../graders/python/python-sandbox-pool.ts';
import { Metrics } from '../metrics.ts';
import { LimiterRegistry } from '../providers/limiter-registry.ts';
import { ModelClients } from '../providers/model-client.ts';
import { BATCH_QUEUE, JobQueue, PLAN_QUEUE } from '../queue/job-queue.ts';
import { RunExecutor } from '../runner/run-executor.ts';
import { RunStatusWatch } from '../runner/run-status-watch.ts';
import { EvalService } from '../services/eval-service.ts';
import { FileService } from '../services/file-service.ts';
import { GraderService } from '../services/grader-service.ts';
import { ImportService } from '../services/import-service.ts';
import { OutputItemService } from '../services/output-item-service.ts';
import { ReportService } from '../services/report-service.ts';
import { RunComparisonService } from '../services/run-comparison-service.ts';
import { RunService } from '../services/run-service.ts';
import { openDatabase, type Database, type DatabaseOptions } from '../storage/database.ts';
import { EvalRepository } from '../storage/eval-repository.ts';
import { FileRepository } from '../storage/file-repository.ts';
import { ImportRepository } from '../storage/import-repository.ts';
import { LimitLeaseRepository } from '../storage/limit-lease-repository.ts';
import { ProcessRegistry } from '../storage/process-registry.ts';
import { ResponseCacheRepository } from '../storage/response-cache-repository.ts';
import { OutputItemRepository } from '../storage/output-item-repository.ts';
import { RunProgressRepository } from '../storage/run-progress-repository.ts';
import { RunComparisonRepository } from '../storage/run-comparison-repository.ts';
import { ReportRepository } from '../storage/report-repository.ts';
import { RunRepository } from '../storage/run-repository.ts';
import { StoredCompletionRepository } from '../storage/stored-completion-repository.ts';
import { ChatCompletionService } from '../services/chat-completion-service.ts';

export interface StartOptions {
  config: Config;
  logger: Logger;
  /** Serve HTTP (`proctor serve`); false for a worker-only process. */
  http: boolean;
  /** Run workers in this process (always in embedded mode). */
  workers: boolean;
  /** Overrides the database chosen by config (tests). */
  database?: DatabaseOptions;
}

export interface RunningProctor {
  /** Base URL of the HTTP server, e.g. http://127.0.0.1:8080 (null for worker-only). */
  url: string | null;
  database: Database;
  /** This process's counters and gauges (also served at GET /metrics). */
  metrics: Metrics;
  close(): Promise<void>;
}

/** The composition root: the only place that wires concrete parts together. */
export async function startProctor(o: StartOptions): Promise<RunningProctor> {
  const { config, logger } = o;
  const database = await openDatabase(
    o.database ?? (config.databaseUrl !== null ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir }),
  );
  const queue = new JobQueue(database, logger);
  const metrics = new Metrics();
  // One sandbox pool per process, shared by runs and the graders API; its workers start on first use.
  let pythonPool: PythonSandboxPool | null = null;
  // Likewise the grading threads (text_similarity's metrics off the event loop, on every core).
  let metricPool: MetricPool | null = null;
  // On PostgreSQL every process leases its place (and its share of each model's limits); the
  // process that finds another dead frees its slots and fails its jobs over.
  let executor: RunExecutor | null = null;
  let registry: ProcessRegistry | null = null;
  let limitStore: LimitLeaseRepository | null = null;
  if (database.kind === 'postgres') {
    registry = new ProcessRegistry(database.db, {
      kind: o.http ? 'serve' : 'worker',
      ttlMs: config.processTtlMs,
      onDead: async (ids) => {
        await queue.failOver(ids, { exhausted: async (runId, what, error) => executor?.giveUp(runId, what, error) });
      },
      onLost: () => limitStore?.lost(),
      onError: (error) => logger.warn('process lease not renewed', { error }),
    });
    limitStore = new LimitLeaseRepository(database.db, registry.id, config.processTtlMs);
  }
  // One set of model clients per process: every run shares each model's concurrency and rate
  // limits — across all processes on PostgreSQL, in this process when embedded.
  const limiters = new LimiterRegistry({ windowMs: config.rateWindowMs, logger, metrics, ...(limitStore ? { store: limitStore } : {}) });
  const modelClients = new ModelClients({
    configFile: config.configFile,
    secrets: config.secrets,
    logger,
    timeoutMs: config.modelTimeoutMs,
    limiters,
    cache: new ResponseCacheRepository(database.db),
    metrics,
  });
  const runs = new RunRepository(database.db);
  const watch = new RunStatusWatch(runs, { listen: (channel, listener) => database.listen(channel, listener), logger });
  const graders: GraderContext = {
    python: () => (pythonPool ??= new PythonSandboxPool({ size: config.pythonWorkers, timeoutMs: config.pythonTimeoutMs, logger })),
    judge: modelClients,
    embeddingModel: config.configFile.embedding_model,
    metrics: () => (config.gradingThreads === 0 ? null : (metricPool ??= new MetricPool({ size: config.gradingThreads, timeoutMs: config.gradingTimeoutMs, logger }))),
  };
  let server: ServerType | null = null;
  let url: string | null = null;
  try {
    await queue.start();
    if (registry !== null && limitStore !== null) {
      await registry.start();
      const store = limitStore;
      await database.listen('proctor_limits', (key) => store.freed(key));
    }
    const evals = new EvalRepository(database.db);
    const files = new FileRepository(database.db);
    const storedCompletions = new StoredCompletionRepository(database.db);
    const graderService = new GraderService(graders);
    const evalService = new EvalService(evals, graderService, { models: modelClients, embeddingModel: config.configFile.embedding_model });
    const runService = new RunService({ evals: evalService, runs, files, storedCompletions, queue, models: modelClients, publicUrl: () => config.publicUrl ?? url ?? '' });
    const services: Services = {
      evals: evalService,
      runs: runService,
      outputItems: new OutputItemService(runService, new OutputItemRepository(database.db)),
      files: new FileService(files, config.maxFileBytes),
      graders: graderService,
      chatCompletions: new ChatCompletionService(modelClients, storedCompletions),
      runComparisons: new RunComparisonService(evalService, runService, new RunComparisonRepository(database.db)),
      imports: new ImportService(new ImportRepository(database.db), files, config.maxFileBytes),
      report: new ReportService({ evals: evalService, runs: runService, report: new ReportRepository(database.db) }),
    };

    if (o.workers) {
      await watch.start();
      executor = new RunExecutor({
        evals,
        runs,
        progress: new RunProgressRepository(database.db),
        files,
        storedCompletions,
        batchSize: config.batchSize,
        samplingBatchSize: config.samplingBatchSize,
        graders,
        sampling: modelClients,
        enqueueBatches: (runId, batches) => queue.enqueueBatches(runId, batches),
        logger,
        watch,
      });
      const run = executor;
      const recovered = await queue.recoverOrphans();
      if (recovered > 0) logger.info('re-queued jobs of a previous process', { jobs: recovered });
      await queue.work(
        {
          plan: (job, signal) => run.plan(job, signal),
          batch: (job, signal) => run.batch(job, signal),
          exhausted: (runId, what, error) => run.giveUp(runId, what, error),
        },
        config.workerConcurrency,
        registry,
      );
      for (const name of [PLAN_QUEUE, BATCH_QUEUE]) metrics.set('proctor_jobs_running', 'Queue jobs this process is running', { queue: name }, () => queue.running(name));
    }

    if (o.http) {
      const app = createApp({ services, apiKeys: config.apiKeys, maxBodyBytes: config.maxBodyBytes, azureRequirePreviewHeader: config.azureRequirePreviewHeader, logger, metrics });
      server = await new Promise<ServerType>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
        s.once('error', reject);
      });
      const address = server.address() as AddressInfo;
      // A wildcard bind is reachable on loopback; links built from it should work from this machine.
      const shown = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
      const host = shown.includes(':') ? `[${shown}]` : shown;
      url = `http://${host}:${address.port}`;
    }

    let closed = false;
    return {
      url,
      database,
      metrics,
      async close() {
        if (closed) return;
        closed = true;
        if (server) {
          const s = server;
          await new Promise<void>((resolve) => {
            s.close(() => resolve());
            (s as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
        }
        await queue.stop();
        watch.stop();
        await registry?.stop();
        await pythonPool?.close();
        await metricPool?.close();
        await database.close();
      },
    };
  } catch (error) {
    server?.close();
    await queue.stop().catch(() => undefined);
    watch.stop();
    await registry?.stop();
    await database.close();
    throw error;
  }
}
