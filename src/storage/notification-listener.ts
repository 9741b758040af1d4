import pg from 'pg';

type Listener = (payload: string) => void;

/**
 * LISTEN on a PostgreSQL server over one dedicated connection (a pooled one would be handed to
 * queries). A lost connection is re-opened after a second and every channel listened to again;
 * notifications sent meanwhile are lost, so every user also polls (NOTIFY only makes it prompt).
 */
export class NotificationListener {
  readonly #url: string;
  readonly #channels = new Map<string, Set<Listener>>();
  #client: pg.Client | null = null;
  #connecting: Promise<void> | null = null;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  async listen(channel: string, listener: Listener): Promise<() => void> {
    let set = this.#channels.get(channel);
    const first = set === undefined;
    if (set === undefined) {
      set = new Set();
      this.#channels.set(channel, set);
    }
    set.add(listener);
    await this.#connect();
    if (first && this.#client !== null) await this.#client.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch(() => this.#lost());
    return () => {
      set.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<void> {
    if (this.#client !== null || this.#closed) return Promise.resolve();
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.#url });
      client.on('error', () => this.#lost());
      client.on('notification', (message) => {
        const listeners = this.#channels.get(message.channel);
        if (listeners === undefined) return;
        for (const listener of listeners) listener(message.payload ?? '');
      });
      try {
        await client.connect();
        for (const channel of this.#channels.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        if (this.#closed) await client.end();
        else this.#client = client;
      } catch {
        await client.end().catch(() => undefined);
        this.#schedule();
      } finally {
        this.#connecting = null;
      }
    })();
    return this.#connecting;
  }

  #lost(): void {
    const client = this.#client;
    this.#client = null;
    client?.end().catch(() => undefined);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#connect();
    }, 1000);
    this.#retry.unref();
  }
}
