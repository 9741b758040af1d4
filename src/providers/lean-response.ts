import { Readable } from 'node:stream';

/**
 * Response headers as the SDK reads them (`get`, `has`, iteration), over the raw header list:
 * lower-case names, repeated fields joined with ", " as fetch joins them (set-cookie apart).
 */
export class LeanHeaders {
  readonly #map = new Map<string, string>();

  constructor(raw: readonly string[], skip: ReadonlySet<string>) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      if (skip.has(name)) continue;
      const value = raw[i + 1]!;
      const prior = this.#map.get(name);
      this.#map.set(name, prior === undefined ? value : `${prior}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  getSetCookie(): string[] {
    const value = this.#map.get('set-cookie');
    return value === undefined ? [] : [value];
  }

  forEach(fn: (value: string, name: string, headers: LeanHeaders) => void): void {
    for (const [name, value] of this.entries()) fn(value, name, this);
  }

  /** Sorted by name, as `Headers` iterates. */
  *entries(): IterableIterator<[string, string]> {
    yield* [...this.#map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/**
 * A fetch `Response` over a body already read into memory, for the SDK's JSON calls. undici's
 * Response wraps even a complete buffer in a ReadableStream and sorts its headers on every
 * iteration; at thousands of calls a second that is a measurable share of a core. The stream is
 * only made if someone asks for `body`.
 */
export class LeanResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: LeanHeaders;
  readonly url: string;
  readonly redirected = false;
  readonly type = 'basic';
  #bytes: Buffer | null;
  #used = false;
  #stream: ReadableStream<Uint8Array> | null = null;

  constructor(bytes: Buffer | null, init: { status: number; statusText: string; headers: LeanHeaders; url: string }) {
    this.#bytes = bytes;
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
    this.url = init.url;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bytes === null) return null;
    this.#stream ??= Readable.toWeb(Readable.from([this.#bytes])) as ReadableStream<Uint8Array>;
    return this.#stream;
  }

  #take(): Buffer {
    if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
    this.#used = true;
    return this.#bytes ?? Buffer.alloc(0);
  }

  async text(): Promise<string> {
    return this.#take().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(await this.arrayBuffer());
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.arrayBuffer()], { type: this.headers.get('content-type') ?? '' });
  }

  clone(): LeanResponse {
    if (this.#used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new LeanResponse(this.#bytes, { status: this.status, statusText: this.statusText, headers: this.headers, url: this.url });
  }
}
