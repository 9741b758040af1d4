import { badRequest } from '../domain/api-error.ts';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../domain/json-depth.ts';
import { findUnstorableString } from '../domain/text-field.ts';
import { jsonlRowSchema, type JsonlDataSource, type JsonlRow } from '../domain/run-data-source.ts';
import type { DataSourceConfig } from '../domain/data-source-config.ts';
import type { CompletionsDataSource } from '../domain/run-data-source.ts';
import type { FileRepository } from '../storage/file-repository.ts';
import { jsonlLines, LineTooLongError } from './jsonl-lines.ts';
import type { StoredCompletionFilter, StoredCompletionRepository } from '../storage/stored-completion-repository.ts';
import { storedCompletionRow } from './stored-completion-row.ts';

/** One data row of a run, numbered from 0 in source order (its `datasource_item_id`). */
export interface SourceRow {
  index: number;
  row: JsonlRow;
  /** Where the row came from, for error messages: `data_source.source.content[3]` or `line 4 of file-…`. */
  where: string;
}

/** A row that cannot be used: the request is a 400 at creation, the run fails if seen later. */
export class SourceRowError extends Error {
  readonly param: string;
  constructor(message: string, param: string) {
    super(message);
    this.name = 'SourceRowError';
    this.param = param;
  }
}

export function sourceRowErrorToApi(error: SourceRowError) {
  return badRequest(error.message, error.param, 'invalid_data_source');
}

/** Every kind of row source a run can name. */
export type RowSource = JsonlDataSource['source'] | CompletionsDataSource['source'];
export type StoredCompletionsSource = Extract<RowSource, { type: 'stored_completions' }>;

/** Where rows come from: uploaded files and the logging proxy's stored completions. */
export interface RowStores {
  files: FileRepository;
  storedCompletions: StoredCompletionRepository;
}

/**
 * The logs a `stored_completions` source selects: its filters, within the eval's own metadata
 * filter when the eval's data source config (`logs` / `stored_completions`) names one — a run's
 * metadata narrows it further and wins on a shared key.
 */
export function storedCompletionFilter(source: StoredCompletionsSource, config: DataSourceConfig): StoredCompletionFilter {
  const base = config.type === 'custom' ? {} : (config.metadata ?? {});
  return { ...source, metadata: { ...base, ...(source.metadata ?? {}) } };
}

/**
 * Rows of a data source, streamed: inline content is already in memory (bounded by the body
 * limit); an uploaded file is read chunk by chunk and parsed line by line; stored completions are
 * read a page at a time.
 */
export async function* sourceRows(source: RowSource, stores: RowStores, project: string, config: DataSourceConfig): AsyncGenerator<SourceRow> {
  if (source.type === 'stored_completions') {
    let index = 0;
    for await (const record of stores.storedCompletions.select(project, storedCompletionFilter(source, config))) {
      yield { index, row: storedCompletionRow(record), where: `stored completion ${record.id}` };
      index++;
    }
    return;
  }
  const files = stores.files;
  if (source.type === 'file_content') {
    for (let i = 0; i < source.content.length; i++) {
      yield { index: i, row: source.content[i] as JsonlRow, where: `data_source.source.content[${i}]` };
    }
    return;
  }
  const file = await files.get(project, source.id);
  if (!file) throw new SourceRowError(`File '${source.id}' was not found.`, 'data_source.source.id');
  let index = 0;
  try {
    for await (const { lineNo, text } of jsonlLines(files.readContent(file.id))) {
      const where = `line ${lineNo} of ${file.id}`;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new SourceRowError(`Invalid JSON on ${where}: ${error instanceof Error ? error.message : String(error)}`, 'data_source.source.id');
      }
      if (exceedsJsonDepth(parsed)) throw new SourceRowError(`Invalid row on ${where}: nested deeper than ${MAX_JSON_DEPTH} levels.`, 'data_source.source.id');
      // Decision, as for rows sent inline: a `\u0000` escape is kept (rows live in json columns,
      // which hold it exactly); a lone-surrogate escape (`\ud800`) is refused — it is not Unicode
      // text, and a value that reaches text or jsonb would be altered or fail.
      const bad = findUnstorableString(parsed, { nul: false });
      if (bad !== null) {
        const field = bad.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('').replace(/^\./, '');
        throw new SourceRowError(`Invalid row on ${where}: '${field}' ${bad.message}.`, 'data_source.source.id');
      }
      const row = jsonlRowSchema.safeParse(parsed);
      if (!row.success) {
        const issue = row.error.issues[0];
        const path = issue ? issue.path.join('.') : '';
        throw new SourceRowError(`Invalid row on ${where}: ${path ? `'${path}' ` : ''}${issue?.message ?? 'is invalid'} (each line must be an object with an 'item' object)`, 'data_source.source.id');
      }
      yield { index: index++, row: row.data, where };
    }
  } catch (error) {
    if (error instanceof LineTooLongError) throw new SourceRowError(`File '${file.id}': ${error.message}`, 'data_source.source.id');
    throw error;
  }
}
