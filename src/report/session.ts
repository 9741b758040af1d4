import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashApiKey, type ApiKeyTable } from '../domain/api-key-table.ts';

/** How long a sign-in lasts. */
const SESSION_SECONDS = 12 * 60 * 60;

/**
 * Signed, stateless page sessions: the cookie names the key (by an id derived from its hash) and an
 * expiry, with an HMAC over both. The HMAC secret is derived from every configured key's hash,
 * so every `proctor serve` with the same PROCTOR_API_KEYS accepts the same cookies, a restart keeps
 * people signed in, and changing the keys signs everyone out. Removing a key ends its sessions.
 */
export class ReportSessions {
  readonly #secret: Buffer;
  /** key id → project */
  readonly #projects = new Map<string, string>();
  readonly #byHash: ReadonlyMap<string, string> | null;

  constructor(keys: ApiKeyTable) {
    this.#byHash = keys.byHash;
    const hashes = keys.byHash === null ? [] : [...keys.byHash.keys()].sort();
    this.#secret = createHash('sha256').update(`proctor-report-session\n${hashes.join('\n')}`).digest();
    if (keys.byHash !== null) for (const [hash, project] of keys.byHash) this.#projects.set(this.#keyId(hash), project);
  }

  /** Whether pages need a signed-in session (API keys are configured). */
  get required(): boolean {
    return this.#byHash !== null;
  }

  /** A cookie value for this API key, or null when the key is unknown. */
  signIn(apiKey: string, now = Date.now()): { value: string; project: string; maxAge: number } | null {
    if (this.#byHash === null) return null;
    const hash = hashApiKey(apiKey.trim());
    const project = this.#byHash.get(hash);
    if (project === undefined) return null;
    const payload = `${this.#keyId(hash)}.${Math.floor(now / 1000) + SESSION_SECONDS}`;
    return { value: `${payload}.${this.#mac(payload)}`, project, maxAge: SESSION_SECONDS };
  }

  /** The project of a valid, unexpired session cookie; null otherwise. */
  verify(cookie: string | undefined, now = Date.now()): string | null {
    if (cookie === undefined) return null;
    const parts = cookie.split('.');
    if (parts.length !== 3) return null;
    const [keyId, expires, mac] = parts as [string, string, string];
    if (!safeEqual(mac, this.#mac(`${keyId}.${expires}`))) return null;
    if (!/^\d+$/.test(expires) || Number(expires) * 1000 < now) return null;
    return this.#projects.get(keyId) ?? null;
  }

  #keyId(hash: string): string {
    return createHmac('sha256', this.#secret).update(`key:${hash}`).digest('base64url').slice(0, 22);
  }

  #mac(payload: string): string {
    return createHmac('sha256', this.#secret).update(`session:${payload}`).digest('base64url');
  }
}

/** A fresh anti-CSRF token (double-submit: a cookie and the same value in every form). */
export const newCsrfToken = (): string => randomBytes(24).toString('base64url');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
