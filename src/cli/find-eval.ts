import type OpenAI from 'openai';
import { definitionHash } from './canonical-json.ts';

/** Metadata key holding the hash of the spec's eval definition (name, config, criteria). */
export const SPEC_HASH_KEY = 'proctor_spec_hash';

export interface EvalChoice {
  eval: OpenAI.Evals.EvalCreateResponse | OpenAI.Evals.EvalRetrieveResponse;
  /** 'reused': same name and definition; 'created': new name; 'changed': the name exists with another definition. */
  how: 'reused' | 'created' | 'changed';
  previousId: string | null;
}

/**
 * Finds the eval named in the spec and reuses it when its definition is unchanged (the hash in
 * its metadata matches); otherwise creates one. Servers rewrite definitions (ids on criteria,
 * generated schemas), so the spec's own text is what is compared, by hash.
 */
export async function findOrCreateEval(client: OpenAI, body: Record<string, unknown> & { name: string }): Promise<EvalChoice> {
  const { metadata, ...definition } = body as { metadata?: Record<string, string> };
  const hash = definitionHash(definition);
  let sameName: string | null = null;
  for await (const e of client.evals.list({ limit: 100, order: 'desc' })) {
    if (e.name !== body.name) continue;
    if ((e.metadata)?.[SPEC_HASH_KEY] === hash) return { eval: e, how: 'reused', previousId: null };
    sameName ??= e.id;
  }
  const created = await client.evals.create({ ...(body as unknown as OpenAI.Evals.EvalCreateParams), metadata: { ...(metadata ?? {}), [SPEC_HASH_KEY]: hash } });
  return { eval: created, how: sameName === null ? 'created' : 'changed', previousId: sameName };
}
