import OpenAI from 'openai';
import { ConfigError, loadEmbeddedConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { CliError } from './cli-error.ts';
import { str, type CommandIo } from './command.ts';

/** An open way to Proctor: the official SDK client, and what to close when done. */
export interface Connection {
  readonly client: OpenAI;
  /** The server root (no `/v1`); for an embedded Proctor, its temporary loopback address. */
  readonly root: string;
  readonly embedded: boolean;
  /** The key sent (for the few calls made without the SDK: streamed file bodies). */
  readonly apiKey: string;
  close(): Promise<void>;
}

/** `http://h:8080`, `http://h:8080/`, `http://h:8080/v1` → `http://h:8080`. */
export function serverRoot(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError(`--server: '${url}' is not a URL (expected e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError(`--server: '${url}' must be an http(s) URL`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/**
 * `--server`/PROCTOR_URL when given; otherwise a Proctor started in this process on the data dir
 * (HTTP on a free loopback port, so every command speaks the same API either way).
 */
export async function connect(values: Record<string, string | boolean | string[] | undefined>, io: CommandIo): Promise<Connection> {
  const server = str(values['server']) ?? io.client.url;
  const apiKey = str(values['api-key']) ?? io.client.apiKey;
  if (server !== null) {
    const root = serverRoot(server);
    return { client: new OpenAI({ baseURL: `${root}/v1`, apiKey: apiKey ?? 'none', maxRetries: 2 }), root, embedded: false, apiKey: apiKey ?? 'none', close: async () => undefined };
  }
  let config;
  try {
    config = loadEmbeddedConfig(str(values['data-dir']) ?? null);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  // Loaded only when needed: a command against a server never loads the database and runner.
  const [{ startProctor }, { DataDirLockedError }] = await Promise.all([import('./start-proctor.ts'), import('../storage/data-dir-lock.ts')]);
  let running;
  try {
    running = await startProctor({ config, logger: createLogger(config.logLevel), http: true, workers: true });
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new CliError(`${error.message}.\nA Proctor server is probably running on it: point this command at it with --server <url> (or PROCTOR_URL).`);
    }
    throw error;
  }
  const root = running.url!;
  if (config.apiKeys.byHash !== null && apiKey === null) {
    await running.close();
    throw new CliError('PROCTOR_API_KEYS is set, so the embedded Proctor needs a key too: pass --api-key or set PROCTOR_API_KEY');
  }
  return { client: new OpenAI({ baseURL: `${root}/v1`, apiKey: apiKey ?? 'embedded', maxRetries: 0 }), root, embedded: true, apiKey: apiKey ?? 'embedded', close: () => running.close() };
}
