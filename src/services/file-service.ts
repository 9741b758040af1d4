import { badRequest, notFound } from '../domain/api-error.ts';
import { newFileId, nowSeconds } from '../domain/ids.ts';
import type { ListFilesQuery } from '../domain/list-query.ts';
import type { FileObject, ListObject } from '../domain/wire-objects.ts';
import type { FileRecord, FileRepository } from '../storage/file-repository.ts';
import { presentFile, presentList } from './present.ts';

export const filePurposes = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;

export interface UploadFields {
  purpose: string | undefined;
  expiresAfterAnchor: string | undefined;
  expiresAfterSeconds: string | undefined;
}

export class FileService {
  readonly #files: FileRepository;
  readonly #maxBytes: number;
  constructor(files: FileRepository, maxBytes: number) {
    this.#files = files;
    this.#maxBytes = maxBytes;
  }

  /**
   * Streams an upload into storage. Multipart fields may arrive after the file part, so `fields`
   * is awaited only once the bytes are stored; a bad field then removes the stored bytes.
   */
  async upload(project: string, filename: string, content: AsyncIterable<Uint8Array>, fields: () => Promise<UploadFields>): Promise<FileObject> {
    const id = newFileId();
    const createdAt = nowSeconds();
    await this.#files.create({ id, project, filename: storedFilename(filename), purpose: '', created_at: createdAt, expires_at: null });
    try {
      await this.#files.writeContent(id, content, this.#maxBytes);
      const f = await fields();
      const purpose = checkPurpose(f.purpose);
      const expiresAt = checkExpiry(f, createdAt);
      await this.#files.setAttributes(id, purpose, expiresAt);
    } catch (error) {
      await this.#files.delete(project, id);
      throw error;
    }
    return this.get(project, id);
  }

  async record(project: string, fileId: string): Promise<FileRecord> {
    const file = await this.#files.get(project, fileId);
    if (!file || (file.expires_at !== null && file.expires_at <= nowSeconds())) throw notFound(`No such File object: ${fileId}`, 'file_id');
    return file;
  }

  async get(project: string, fileId: string): Promise<FileObject> {
    return presentFile(await this.record(project, fileId));
  }

  async content(project: string, fileId: string): Promise<{ file: FileRecord; body: AsyncIterable<Uint8Array> }> {
    const file = await this.record(project, fileId);
    return { file, body: this.#files.readContent(file.id) };
  }

  async list(project: string, q: ListFilesQuery): Promise<ListObject<FileObject>> {
    const page = await this.#files.list(project, q, nowSeconds());
    return presentList({ data: page.data.map(presentFile), has_more: page.has_more });
  }

  async delete(project: string, fileId: string): Promise<{ id: string; object: 'file'; deleted: true }> {
    if (!(await this.#files.delete(project, fileId))) throw notFound(`No such File object: ${fileId}`, 'file_id');
    return { id: fileId, object: 'file', deleted: true };
  }
}

/** A filename a text column keeps as sent: no U+0000, at most 512 characters, no surrogate pair cut in half. */
function storedFilename(filename: string): string {
  let name = filename.replace(/\u0000/g, '');
  if (name.length > 512) name = name.slice(0, /[\uD800-\uDBFF]/.test(name[511]!) ? 511 : 512);
  return name || 'upload';
}

function checkPurpose(purpose: string | undefined): string {
  if (purpose === undefined || purpose === '') throw badRequest("Missing required parameter: 'purpose'.", 'purpose', 'missing_required_parameter');
  if (!(filePurposes as readonly string[]).includes(purpose)) {
    throw badRequest(`Invalid value for 'purpose': '${purpose}'. Expected one of ${filePurposes.map((p) => `'${p}'`).join(', ')}.`, 'purpose', 'invalid_value');
  }
  return purpose;
}

function checkExpiry(f: UploadFields, createdAt: number): number | null {
  if (f.expiresAfterAnchor === undefined && f.expiresAfterSeconds === undefined) return null;
  if (f.expiresAfterAnchor !== 'created_at') {
    throw badRequest("Invalid value for 'expires_after[anchor]': expected 'created_at'.", 'expires_after.anchor', 'invalid_value');
  }
  const seconds = Number(f.expiresAfterSeconds);
  if (!/^\d+$/.test(f.expiresAfterSeconds ?? '') || seconds < 3600 || seconds > 2_592_000) {
    throw badRequest("Invalid value for 'expires_after[seconds]': expected an integer between 3600 and 2592000.", 'expires_after.seconds', 'invalid_value');
  }
  return createdAt + seconds;
}


