import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app.ts';
import type { Services } from '../api/services.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { GraderContext } from '../graders/grader-registry.ts';
import { PythonSandboxPool } from '../graders/python/python-sandbox-pool.ts';
import { ModelClients } from '../providers/model-client.ts';
import { JobQueue } from '../queue/job-queue.ts';
import { RunExecutor } from '../runner/run-executor.ts';
import { EvalService } from '../services/eval-service.ts';
import { FileService } from '../services/file-service.ts';
import { GraderService } from '../services/grader-service.ts';
import { OutputItemService } from '../services/output-item-service.ts';
import { ReportService } from '../services/report-service.ts';
import { RunComparisonService } from '../services/run-comparison-service.ts';
import { RunService } from '../services/run-service.ts';
import { openDatabase, type Database, type DatabaseOptions } from '../storage/database.ts';
import { EvalRepository } from '../storage/eval-repository.ts';
import { FileRepository } from '../storage/file-repository.ts';
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
  close(): Promise<void>;
}

/** The composition root: the only place that wires concrete parts together. */
export async function startProctor(o: StartOptions): Promise<RunningProctor> {
  const { config, logger } = o;
  const database = await openDatabase(
    o.database ?? (config.databaseUrl !== null ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'pglite', dataDir: config.dataDir }),
  );
  const queue = new JobQueue(database, logger);
  // One sandbox pool per process, shared by runs and the graders API; its workers start on first use.
  let pythonPool: PythonSandboxPool | null = null;
  // One set of model clients per process: every run shares each model's concurrency and rate limits.
  const modelClients = new ModelClients({ configFile: config.configFile, secrets: config.secrets, logger, timeoutMs: config.modelTimeoutMs });
  const graders: GraderContext = {
    python: () => (pythonPool ??= new PythonSandboxPool({ size: config.pythonWorkers, timeoutMs: config.pythonTimeoutMs, logger })),
    judge: modelClients,
    embeddingModel: config.configFile.embedding_model,
  };
  let server: ServerType | null = null;
  let url: string | null = null;
  try {
    await queue.start();
    const evals = new EvalRepository(database.db);
    const runs = new RunRepository(database.db);
    const files = new FileRepository(database.db);
    const storedCompletions = new StoredCompletionRepository(database.db);
    const graderService = new GraderService(graders);
    const evalService = new EvalService(evals, graderService);
    const runService = new RunService({ evals: evalService, runs, files, storedCompletions, queue, publicUrl: () => config.publicUrl ?? url ?? '' });
    const services: Services = {
      evals: evalService,
      runs: runService,
      outputItems: new OutputItemService(runService, new OutputItemRepository(database.db)),
      files: new FileService(files, config.maxFileBytes),
      graders: graderService,
      chatCompletions: new ChatCompletionService(modelClients, storedCompletions),
      runComparisons: new RunComparisonService(evalService, runService, new RunComparisonRepository(database.db)),
      report: new ReportService({ evals: evalService, runs: runService, report: new ReportRepository(database.db) }),
    };

    if (o.workers) {
      const recovered = await queue.recoverOrphans();
      if (recovered > 0) logger.info('re-queued jobs of a previous process', { jobs: recovered });
      const executor = new RunExecutor({
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
      });
      await queue.work(
        {
          plan: (job, signal) => executor.plan(job, signal),
          batch: (job, signal) => executor.batch(job, signal),
          exhausted: (runId, what, error) => executor.giveUp(runId, what, error),
        },
        config.workerConcurrency,
      );
    }

    if (o.http) {
      const app = createApp({ services, apiKeys: config.apiKeys, maxBodyBytes: config.maxBodyBytes, azureRequirePreviewHeader: config.azureRequirePreviewHeader, logger });
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
        await pythonPool?.close();
        await database.close();
      },
    };
  } catch (error) {
    server?.close();
    await queue.stop().catch(() => undefined);
    await database.close();
    throw error;
  }
}
