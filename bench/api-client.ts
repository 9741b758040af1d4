import { performance } from 'node:perf_hooks';

/** An error with its chain of causes (fetch hides the socket error in `cause`). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(`${e.name}: ${e.message}${typeof code === 'string' ? ` [${code}]` : ''}`);
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : (JSON.stringify(e) ?? 'unknown error'));
      break;
    }
  }
  return parts.join(' ← ');
}

/** A failed API call: the status and the body the server answered with. */
export class ApiCallError extends Error {
  readonly status: number;
  constructor(method: string, path: string, status: number, body: string) {
    super(`${method} ${path} → ${status}: ${body.slice(0, 2000)}`);
    this.name = 'ApiCallError';
    this.status = status;
  }
}

export interface Timed<T> {
  body: T;
  /** Wall milliseconds from sending the request to having read and parsed the whole body. */
  ms: number;
}

/** The few calls a benchmark makes, timed, over Node's fetch (keep-alive). */
export class ApiClient {
  readonly base: string;
  readonly networkErrors: { at: number; path: string; ms: number; error: string }[] = [];
  constructor(serverUrl: string) {
    this.base = `${serverUrl}/v1`;
  }

  async call<T>(method: string, path: string, init: { json?: unknown; form?: FormData } = {}): Promise<Timed<T>> {
    const headers: Record<string, string> = { authorization: 'Bearer sk-bench' };
    let body: string | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.form !== undefined) {
      body = init.form;
    }
    const t0 = performance.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.base}${path}`, body === undefined ? { method, headers } : { method, headers, body });
      text = await res.text();
    } catch (error) {
      throw new Error(`${method} ${path} failed after ${Math.round(performance.now() - t0)} ms: ${describeError(error)}`, { cause: error });
    }
    const ms = performance.now() - t0;
    if (!res.ok) throw new ApiCallError(method, path, res.status, text);
    return { body: JSON.parse(text) as T, ms };
  }

  /**
   * GETs are retried (twice) when the connection fails — e.g. the server resets a keep-alive
   * socket whose idle timer fired while its event loop was blocked. Each failure is recorded in
   * `networkErrors` so the report shows it; the latency returned is that of the attempt that
   * succeeded.
   */
  async get<T>(path: string): Promise<Timed<T>> {
    for (let attempt = 1; ; attempt++) {
      const t0 = performance.now();
      try {
        return await this.call<T>('GET', path);
      } catch (error) {
        if (error instanceof ApiCallError || attempt >= 3) throw error;
        this.networkErrors.push({ at: Date.now(), path, ms: Math.round(performance.now() - t0), error: describeError(error instanceof Error && error.cause !== undefined ? error.cause : error) });
      }
    }
  }

  post<T>(path: string, json: unknown): Promise<Timed<T>> {
    return this.call<T>('POST', path, { json });
  }
}

/** The parts of the wire objects a benchmark reads. */
export interface RunView {
  id: string;
  status: string;
  result_counts: { total: number; passed: number; failed: number; errored: number };
  error: unknown;
}

export interface OutputItemView {
  id: string;
  datasource_item_id: number;
  status: string;
}

export interface ListView<T> {
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}
