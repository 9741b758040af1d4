import type { ChatCompletionService } from '../services/chat-completion-service.ts';
import type { EvalService } from '../services/eval-service.ts';
import type { FileService } from '../services/file-service.ts';
import type { GraderService } from '../services/grader-service.ts';
import type { ImportService } from '../services/import-service.ts';
import type { OutputItemService } from '../services/output-item-service.ts';
import type { ReportService } from '../services/report-service.ts';
import type { RunComparisonService } from '../services/run-comparison-service.ts';
import type { RunService } from '../services/run-service.ts';

/** Everything the HTTP layer calls; wired by the composition root (cli/). */
export interface Services {
  evals: EvalService;
  runs: RunService;
  outputItems: OutputItemService;
  files: FileService;
  graders: GraderService;
  chatCompletions: ChatCompletionService;
  runComparisons: RunComparisonService;
  imports: ImportService;
  /** The web report's reads beyond the API (src/report). */
  report: ReportService;
}
