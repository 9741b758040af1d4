import type { Kysely, Selectable } from 'kysely';
import { ApiError, badRequest } from '../domain/api-error.ts';
import type { ListFilesQuery, Page } from '../domain/list-query.ts';
import { afterTuple, splitPage } from './keyset.ts';
import type { FilesTable, Tables } from './tables.ts';

export type FileRecord = Selectable<FilesTable>;

/** Bytes live in the database as 1 MiB chunks, so every API node and worker can read every file. */
export const CHUNK_BYTES = 1024 * 1024;

export class FileRepository {
  readonly #db: Kysely<Tables>;
  constructor(db: Kysely<Tables>) {
    this.#db = db;
  }

  async create(f: { id: string; project: string; filename: string; purpose: string; created_at: number; expires_at: number | null }): Promise<void> {
    await this.#db.insertInto('files').values({ ...f, bytes: 0, complete: false }).execute();
  }

  /**
   * Streams `source` into chunks without holding more than one chunk in memory. Over `maxBytes`
   * the upload stops with a 413 and the caller removes the partial file.
   */
  async writeContent(fileId: string, source: AsyncIterable<Uint8Array>, maxBytes: number): Promise<number> {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    let index = 0;
    const flush = async (final: boolean) => {
      while (pendingBytes >= CHUNK_BYTES || (final && pendingBytes > 0)) {
        const all = Buffer.concat(pending, pendingBytes);
        const take = Math.min(CHUNK_BYTES, all.length);
        await this.#db.insertInto('file_chunks').values({ file_id: fileId, chunk_index: index++, data: all.subarray(0, take) }).execute();
        const rest = all.subarray(take);
        pending = rest.length > 0 ? [Buffer.from(rest)] : [];
        pendingBytes = rest.length;
      }
    };
    for await (const part of source) {
      total += part.byteLength;
      if (total > maxBytes) {
        throw new ApiError('payload_too_large', `File is larger than the limit of ${maxBytes} bytes.`, 'file', 'file_too_large');
      }
      pending.push(Buffer.from(part.buffer, part.byteOffset, part.byteLength));
      pendingBytes += part.byteLength;
      if (pendingBytes >= CHUNK_BYTES) await flush(false);
    }
    await flush(true);
    await this.#db.updateTable('files').set({ bytes: total }).where('id', '=', fileId).execute();
    return total;
  }

  /** The file's bytes, one chunk at a time (PGlite cannot stream a query, so we page by key). */
  async *readContent(fileId: string): AsyncGenerator<Uint8Array> {
    let next = 0;
    for (;;) {
      const row = await this.#db
        .selectFrom('file_chunks')
        .select(['chunk_index', 'data'])
        .where('file_id', '=', fileId)
        .where('chunk_index', '>=', next)
        .orderBy('chunk_index')
        .limit(1)
        .executeTakeFirst();
      if (!row) return;
      next = row.chunk_index + 1;
      yield row.data;
    }
  }

  /** Sets the multipart fields and marks the upload finished: only complete files are visible. */
  async setAttributes(id: string, purpose: string, expiresAt: number | null): Promise<void> {
    await this.#db.updateTable('files').set({ purpose, expires_at: expiresAt, complete: true }).where('id', '=', id).execute();
  }

  async get(project: string, id: string): Promise<FileRecord | undefined> {
    return this.#db
      .selectFrom('files')
      .selectAll()
      .where('project', '=', project)
      .where('id', '=', id)
      .where('complete', '=', true)
      .executeTakeFirst();
  }

  async delete(project: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('files').where('project', '=', project).where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async list(project: string, q: ListFilesQuery, now: number): Promise<Page<FileRecord>> {
    let query = this.#db
      .selectFrom('files')
      .selectAll()
      .where('project', '=', project)
      .where('complete', '=', true)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
    if (q.purpose !== undefined) query = query.where('purpose', '=', q.purpose);
    if (q.after !== undefined) {
      const cursor = await this.#db.selectFrom('files').select('seq').where('project', '=', project).where('id', '=', q.after).executeTakeFirst();
      if (!cursor) throw badRequest(`No file found with id '${q.after}' to page after.`, 'after');
      query = query.where(afterTuple(['seq'], [cursor.seq], q.order));
    }
    const rows = await query.orderBy('seq', q.order).limit(q.limit + 1).execute();
    return splitPage(rows, q.limit);
  }
}
