import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { useFakeModelClients } from '../../test/support/fake-model-clients.ts';
import { cosineSimilarity, fakeEmbedding } from '../../test/support/fake-openai/fake-openai.ts';
import type { SampleUsage } from '../domain/wire-objects.ts';
import { cosine, createCosineGrader, type CosineGraderConfig } from './cosine-similarity.ts';
import type { JudgeCallResult, JudgeClient } from './judge-client.ts';

const USAGE: SampleUsage = { prompt_tokens: 9, completion_tokens: 0, total_tokens: 9, cached_tokens: 0 };

interface EmbedCall { model: string; input: string | string[]; signal: AbortSignal | undefined }

function stubEmbedder(reply: (call: EmbedCall) => JudgeCallResult<CreateEmbeddingResponse>) {
  const calls: EmbedCall[] = [];
  const judge: JudgeClient = {
    async chat() {
      throw new Error('cosine does not chat');
    },
    async embeddings(model, input, signal) {
      const call = { model, input, signal };
      calls.push(call);
      return reply(call);
    },
  };
  return { judge, calls };
}

const embeddingsOf = (vectors: Array<number[] | string>, order: number[] = vectors.map((_, i) => i)): CreateEmbeddingResponse => ({
  object: 'list',
  model: 'embedder-v3',
  usage: { prompt_tokens: 9, total_tokens: 9 },
  data: order.map((i) => ({ object: 'embedding', index: i, embedding: vectors[i] as number[] })),
});

const returning = (vectors: Array<number[] | string>, order?: number[]) =>
  stubEmbedder(() => ({ ok: true, value: embeddingsOf(vectors, order), usage: USAGE, model: 'embedder-v3' }));

const config = (pass_threshold?: number): CosineGraderConfig => ({
  type: 'text_similarity',
  name: 'sim',
  input: '{{ sample.output_text }}',
  reference: '{{ item.reference }}',
  evaluation_metric: 'cosine',
  ...(pass_threshold === undefined ? {} : { pass_threshold }),
});

const row = { item: { reference: 'a cat sat' }, sample: { output_text: 'the cat sat' } };

describe('text_similarity cosine grader', () => {
  it('embeds the rendered input and reference in one call with two inputs', async () => {
    const { judge, calls } = returning([[1, 0], [1, 0]]);
    const signal = new AbortController().signal;
    await createCosineGrader(config(0.8), judge, 'text-embedding-3-small').grade({ ...row, signal });
    assert.deepEqual(calls, [{ model: 'text-embedding-3-small', input: ['the cat sat', 'a cat sat'], signal }]);
  });

  it('equal vectors score exactly 1 and orthogonal vectors 0', async () => {
    const v = [0.1, -0.7, 0.3, 0.2001, 1e-3];
    const same = await createCosineGrader(config(1), returning([v, [...v]]).judge, 'e').grade(row);
    assert.equal(same.score, 1);
    assert.equal(same.passed, true, 'a perfect match passes the default-like threshold 1');
    assert.equal(same.error, null);
    const orthogonal = await createCosineGrader(config(0.5), returning([[1, 0, 0], [0, 3, 0]]).judge, 'e').grade(row);
    assert.equal(orthogonal.score, 0);
    assert.equal(orthogonal.passed, false);
    const opposite = await createCosineGrader(config(0.5), returning([[1, 2], [-2, -4]]).judge, 'e').grade(row);
    assert.equal(opposite.score, -1);
  });

  it('passes iff score ≥ pass_threshold; the default threshold is 1', async () => {
    const vectors = [[1, 0], [1, 1]]; // cos 45° ≈ 0.7071
    assert.equal((await createCosineGrader(config(0.7), returning(vectors).judge, 'e').grade(row)).passed, true);
    assert.equal((await createCosineGrader(config(0.71), returning(vectors).judge, 'e').grade(row)).passed, false);
    const out = await createCosineGrader(config(), returning(vectors).judge, 'e').grade(row);
    assert.ok(Math.abs(out.score - Math.SQRT1_2) < 1e-12);
    assert.equal(out.passed, false);
  });

  it('pairs the vectors by index, whatever order the upstream lists them in', async () => {
    const out = await createCosineGrader(config(0), returning([[1, 0], [0.6, 0.8]], [1, 0]).judge, 'e').grade(row);
    assert.ok(Math.abs(out.score - 0.6) < 1e-12);
  });

  it('decodes base64 float32 embeddings', async () => {
    const b64 = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer).toString('base64');
    const out = await createCosineGrader(config(0), returning([b64([3, 4]), b64([4, 3])]).judge, 'e').grade(row);
    assert.ok(Math.abs(out.score - 24 / 25) < 1e-7);
  });

  it('reports the usage of the embeddings call under the embedding model', async () => {
    const out = await createCosineGrader(config(0), returning([[1], [1]]).judge, 'text-embedding-3-small').grade(row);
    assert.deepEqual(out.usage, [{ model_name: 'text-embedding-3-small', invocation_count: 1, prompt_tokens: 9, completion_tokens: 0, total_tokens: 9, cached_tokens: 0 }]);
    assert.equal(out.sample, null);
  });

  it('a failed call is model_grader_server_error with the upstream message', async () => {
    const { judge } = stubEmbedder(() => ({ ok: false, error: { code: 'model_not_found', message: 'The model `nope` does not exist' } }));
    const out = await createCosineGrader(config(0), judge, 'nope').grade(row);
    assert.equal(out.error?.code, 'model_grader_server_error');
    assert.match(out.error.message, /The model `nope` does not exist/);
    assert.equal(out.score, 0);
    assert.equal(out.passed, false);
    assert.deepEqual(out.usage, []);
  });

  it('unusable vectors are an error, with the call still counted', async () => {
    for (const vectors of [[[1, 0]], [[1, 0], [1, 0, 0]], [[1, 0], 'not base64 floats!'], [[], []]] as Array<Array<number[] | string>>) {
      const out = await createCosineGrader(config(0), returning(vectors).judge, 'e').grade(row);
      assert.equal(out.error?.code, 'model_grader_parse_error', JSON.stringify(vectors));
      assert.equal(out.score, 0);
      assert.equal(out.passed, false);
      assert.equal(out.usage?.length, 1);
    }
  });

  it('a zero vector scores 0', async () => {
    const out = await createCosineGrader(config(0), returning([[0, 0], [1, 0]]).judge, 'e').grade(row);
    assert.equal(out.score, 0);
    assert.equal(out.error, null);
  });

  it('does not embed an empty text: both empty score 1, one empty 0; a missing path flags invalid_variable', async () => {
    const { judge, calls } = returning([[1], [1]]);
    const grader = createCosineGrader(config(0.5), judge, 'e');
    const both = await grader.grade({ item: { reference: '' }, sample: { output_text: '' } });
    assert.deepEqual([both.score, both.passed, both.invalid_variable], [1, true, false]);
    const one = await grader.grade({ item: { reference: 'x' }, sample: null });
    assert.deepEqual([one.score, one.passed, one.invalid_variable], [0, false, true]);
    assert.equal(calls.length, 0);
  });

  it('renders templates with item and sample', async () => {
    const { judge, calls } = returning([[1], [1]]);
    const cfg: CosineGraderConfig = { ...config(0), input: 'Answer: {{ sample.output_text }}', reference: '{{ item.ref.text }} ({{ item.ref.lang }})' };
    await createCosineGrader(cfg, judge, 'e').grade({ item: { ref: { text: 'hello', lang: 'en' } }, sample: { output_text: 'hi' } });
    assert.deepEqual(calls[0]?.input, ['Answer: hi', 'hello (en)']);
  });

  it('refuses to build for another metric (a wiring bug)', () => {
    const wrong = { ...config(0), evaluation_metric: 'bleu' } as unknown as CosineGraderConfig;
    assert.throws(() => createCosineGrader(wrong, returning([]).judge, 'e'), /not cosine/);
  });

  it('cosine() is exactly 1 for identical vectors', () => {
    for (const v of [[0.1, 0.2, 0.3], [1e-8, 3, -7.25], Array.from({ length: 1536 }, (_, i) => Math.sin(i))]) assert.equal(cosine(v, [...v]), 1);
  });
});

describe('cosine grader against the fake upstream through ModelClients', () => {
  const live = useFakeModelClients();

  it("scores the fake's embeddings (as the SDK decodes them) and reports exactly the upstream usage", async () => {
    const grader = createCosineGrader(config(0.99), live.clients, 'text-embedding-3-small');
    const same = await grader.grade({ item: { reference: 'the cat sat on the mat' }, sample: { output_text: 'the cat sat on the mat' } });
    assert.equal(same.error, null);
    assert.ok(Math.abs(same.score - 1) < 1e-6, String(same.score));
    assert.equal(same.passed, true);

    const different = await grader.grade({ item: { reference: 'a dog ran' }, sample: { output_text: 'the cat sat on the mat' } });
    const expected = cosineSimilarity(fakeEmbedding('the cat sat on the mat'), fakeEmbedding('a dog ran'));
    assert.ok(Math.abs(different.score - expected) < 1e-6, `${different.score} vs ${expected}`);
    assert.equal(different.passed, false);

    assert.equal(live.fake.stats.recorded.length, 2);
    assert.deepEqual(live.fake.stats.recorded[1]?.body['input'], ['the cat sat on the mat', 'a dog ran']);
    const upstream = live.fake.stats.usageByModel['text-embedding-3-small'];
    assert.ok(upstream);
    const reported = [...(same.usage ?? []), ...(different.usage ?? [])];
    assert.equal(reported.reduce((n, u) => n + u.invocation_count, 0), upstream.invocation_count);
    assert.equal(reported.reduce((n, u) => n + u.prompt_tokens, 0), upstream.prompt_tokens);
    assert.equal(reported.reduce((n, u) => n + u.total_tokens, 0), upstream.total_tokens);
  });
});
