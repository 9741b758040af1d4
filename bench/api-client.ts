import { performance } from 'node:perf_hooks';

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
    const res = await fetch(`${this.base}${path}`, body === undefined ? { method, headers } : { method, headers, body });
    const text = await res.text();
    const ms = performance.now() - t0;
    if (!res.ok) throw new ApiCallError(method, path, res.status, text);
    return { body: JSON.parse(text) as T, ms };
  }

  get<T>(path: string): Promise<Timed<T>> {
    return this.call<T>('GET', path);
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
