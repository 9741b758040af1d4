import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFileSchema, type ConfigFile } from '../config.ts';
import { DEFAULT_AZURE_API_VERSION, DEFAULT_MAX_CONCURRENCY, resolveModel, type ModelResolution, type ModelTarget } from './model-resolver.ts';

const file = (raw: unknown): ConfigFile => configFileSchema.parse(raw);
const ok = (r: ModelResolution): ModelTarget => {
  if (!r.ok) assert.fail(`expected a target, got: ${r.message}`);
  return r.target;
};
const fail = (r: ModelResolution) => {
  if (r.ok) assert.fail(`expected an error, got ${r.target.key}`);
  return r;
};

const full = file({
  providers: {
    openai: { type: 'openai', base_url: 'https://api.openai.com/v1', api_key_env: 'OPENAI_API_KEY' },
    local: { type: 'openai', base_url: 'http://127.0.0.1:8000/v1', api_key: 'none' },
    azure: { type: 'azure', endpoint: 'https://x.openai.azure.com', api_key_env: 'AZURE_KEY', api_version: '2024-10-21', deployments: { 'gpt-4o': 'prod-4o' } },
    nokey: { type: 'openai', base_url: 'http://127.0.0.1:9000/v1' },
  },
  models: {
    'gpt-4o-mini': { provider: 'openai', max_concurrency: 32, rpm: 5000, tpm: 2_000_000 },
    llama: { provider: 'local', model: 'meta-llama/Llama-3.1-8B-Instruct', max_concurrency: 4 },
    '4o': { provider: 'azure', model: 'gpt-4o' },
  },
  default_provider: 'openai',
});
const secrets = { OPENAI_API_KEY: 'sk-openai', AZURE_KEY: 'az-key' };

describe('resolveModel', () => {
  it('an exact models entry: its provider, upstream name and limits', () => {
    const t = ok(resolveModel('llama', full, secrets));
    assert.deepEqual(t, {
      key: 'local/meta-llama/Llama-3.1-8B-Instruct',
      providerName: 'local',
      provider: { type: 'openai', baseURL: 'http://127.0.0.1:8000/v1', apiKey: 'none' },
      upstreamModel: 'meta-llama/Llama-3.1-8B-Instruct',
      limits: { maxConcurrency: 4, rpm: null, tpm: null },
      cache: { mode: 'off', ttlSeconds: 604800, nonzeroTemperature: false },
    });
    const mini = ok(resolveModel('gpt-4o-mini', full, secrets));
    assert.equal(mini.upstreamModel, 'gpt-4o-mini');
    assert.deepEqual(mini.limits, { maxConcurrency: 32, rpm: 5000, tpm: 2_000_000 });
    assert.deepEqual(mini.provider, { type: 'openai', baseURL: 'https://api.openai.com/v1', apiKey: 'sk-openai' });
  });

  it('provider/model, sharing the limits of the same model entry on that provider', () => {
    const t = ok(resolveModel('local/qwen2.5:7b', full, secrets));
    assert.equal(t.providerName, 'local');
    assert.equal(t.upstreamModel, 'qwen2.5:7b');
    assert.deepEqual(t.limits, { maxConcurrency: DEFAULT_MAX_CONCURRENCY, rpm: null, tpm: null });
    const shared = ok(resolveModel('openai/gpt-4o-mini', full, secrets));
    assert.equal(shared.key, ok(resolveModel('gpt-4o-mini', full, secrets)).key);
    assert.equal(shared.limits.rpm, 5000);
    // The entry belongs to another provider: not shared.
    assert.equal(ok(resolveModel('local/gpt-4o-mini', full, secrets)).limits.rpm, null);
  });

  it('a slash that names no provider goes to the default provider whole', () => {
    const t = ok(resolveModel('meta-llama/Llama-3.1-8B', full, secrets));
    assert.equal(t.providerName, 'openai');
    assert.equal(t.upstreamModel, 'meta-llama/Llama-3.1-8B');
  });

  it('the default provider for any other name', () => {
    const t = ok(resolveModel('o4-mini', full, secrets));
    assert.equal(t.key, 'openai/o4-mini');
    assert.deepEqual(t.limits, { maxConcurrency: DEFAULT_MAX_CONCURRENCY, rpm: null, tpm: null });
  });

  it('with no config: the implicit OpenAI provider from OPENAI_API_KEY / OPENAI_BASE_URL', () => {
    const empty = file({});
    const t = ok(resolveModel('gpt-4.1', empty, { OPENAI_API_KEY: 'sk-x' }));
    assert.deepEqual(t.provider, { type: 'openai', baseURL: 'https://api.openai.com/v1', apiKey: 'sk-x' });
    assert.equal(t.key, 'openai/gpt-4.1');
    const local = ok(resolveModel('openai/gpt-4.1', empty, { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1' }));
    assert.equal(local.provider.type === 'openai' && local.provider.baseURL, 'http://127.0.0.1:1234/v1');
    assert.equal(local.upstreamModel, 'gpt-4.1');
  });

  it('a missing key is a clear message naming the variable', () => {
    const r = fail(resolveModel('gpt-4.1', file({}), {}));
    assert.equal(r.code, 'missing_api_key');
    assert.equal(r.message, "provider 'openai' has no API key: set OPENAI_API_KEY");
    assert.equal(fail(resolveModel('4o', full, { OPENAI_API_KEY: 'k' })).message, "provider 'azure' has no API key: set AZURE_KEY");
    assert.equal(fail(resolveModel('x', file({}), { OPENAI_API_KEY: '' })).code, 'missing_api_key');
  });

  it('never sends the OpenAI key to a provider with its own base_url', () => {
    const r = fail(resolveModel('nokey/m', full, secrets));
    assert.equal(r.code, 'missing_api_key');
    assert.match(r.message, /^provider 'nokey' has no API key: set api_key .* or api_key_env/);
  });

  it('azure: deployment from deployments[model], else the model name; default env var and api version', () => {
    const mapped = ok(resolveModel('4o', full, secrets));
    assert.equal(mapped.upstreamModel, 'prod-4o');
    assert.equal(mapped.key, 'azure/prod-4o');
    assert.deepEqual(mapped.provider, { type: 'azure', endpoint: 'https://x.openai.azure.com', apiKey: 'az-key', apiVersion: '2024-10-21' });
    assert.equal(ok(resolveModel('azure/gpt-4o', full, secrets)).upstreamModel, 'prod-4o');
    assert.equal(ok(resolveModel('azure/my-deployment', full, secrets)).upstreamModel, 'my-deployment');

    const bare = file({ providers: { az: { type: 'azure', endpoint: 'https://y.openai.azure.com/' } }, default_provider: 'az' });
    assert.equal(fail(resolveModel('gpt-4o', bare, {})).message, "provider 'az' has no API key: set AZURE_OPENAI_API_KEY");
    const t = ok(resolveModel('gpt-4o', bare, { AZURE_OPENAI_API_KEY: 'k' }));
    assert.equal(t.provider.type === 'azure' && t.provider.apiVersion, DEFAULT_AZURE_API_VERSION);
  });

  it('an unknown model when there is no default provider', () => {
    const noDefault = file({ providers: { local: { type: 'openai', base_url: 'http://127.0.0.1:8000/v1', api_key: 'none' } } });
    const r = fail(resolveModel('gpt-4o', noDefault, {}));
    assert.equal(r.code, 'model_not_found');
    assert.match(r.message, /^unknown model 'gpt-4o': .*\(local\).*no default_provider is set$/);
    assert.equal(ok(resolveModel('local/gpt-4o', noDefault, {})).upstreamModel, 'gpt-4o');
    // Configured providers replace the implicit one.
    assert.equal(fail(resolveModel('openai/gpt-4o', noDefault, { OPENAI_API_KEY: 'k' })).code, 'model_not_found');
    assert.equal(fail(resolveModel('', full, secrets)).code, 'model_not_found');
  });

  it('does not resolve names inherited from Object.prototype', () => {
    const noDefault = file({ providers: { local: { type: 'openai', base_url: 'http://127.0.0.1:8000/v1', api_key: 'none' } } });
    assert.equal(fail(resolveModel('constructor', noDefault, {})).code, 'model_not_found');
    assert.equal(fail(resolveModel('toString/x', noDefault, {})).code, 'model_not_found');
    assert.equal(ok(resolveModel('constructor', full, secrets)).key, 'openai/constructor');
  });
});
