import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, hashApiKey, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults with an empty environment', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.databaseUrl, null);
    assert.equal(c.apiKeys.byHash, null);
    assert.equal(c.publicUrl, null);
    assert.equal(loadConfig({ PROCTOR_PUBLIC_URL: 'https://evals.example.com/' }).publicUrl, 'https://evals.example.com');
    assert.ok(Object.isFrozen(c));
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PROCTOR_PORT: 'eighty', PROCTOR_DATABASE_URL: 'mysql://x', PROCTOR_LOG_LEVEL: 'loud' });
      assert.fail('expected a ConfigError');
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 3);
      assert.match(error.message, /PROCTOR_PORT/);
      assert.match(error.message, /PROCTOR_DATABASE_URL/);
      assert.match(error.message, /PROCTOR_LOG_LEVEL/);
    }
  });

  it('refuses a public address without API keys, allows it with keys', () => {
    assert.throws(() => loadConfig({ PROCTOR_HOST: '0.0.0.0' }), /refusing to listen on 0\.0\.0\.0/);
    const c = loadConfig({ PROCTOR_HOST: '0.0.0.0', PROCTOR_API_KEYS: 'sk-long-key-1' });
    assert.equal(c.host, '0.0.0.0');
    assert.doesNotThrow(() => loadConfig({ PROCTOR_HOST: '::1' }));
    assert.doesNotThrow(() => loadConfig({ PROCTOR_HOST: 'localhost' }));
  });

  it('maps keys to projects and keeps only their hashes', () => {
    const c = loadConfig({ PROCTOR_API_KEYS: 'sk-aaaaaaaa=team-a, sk-bbbbbbbb=team-b,sk-cccccccc' });
    const table = c.apiKeys.byHash;
    assert.ok(table);
    assert.equal(table.get(hashApiKey('sk-aaaaaaaa')), 'team-a');
    assert.equal(table.get(hashApiKey('sk-bbbbbbbb')), 'team-b');
    assert.equal(table.get(hashApiKey('sk-cccccccc')), 'default');
    assert.ok(![...table.keys()].some((k) => k.includes('sk-')));
    assert.throws(() => loadConfig({ PROCTOR_API_KEYS: 'short=team' }), /at least 8 characters/);
  });

  it('reads a YAML provider file and rejects a model naming an unknown provider', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-config-'));
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'providers:\n  local:\n    type: openai\n    base_url: http://127.0.0.1:9/v1\n    api_key_env: LOCAL_KEY\nmodels:\n  llama:\n    provider: local\n');
    const c = loadConfig({ PROCTOR_CONFIG: good, LOCAL_KEY: 'secret' });
    assert.equal(c.configFile.models['llama']?.provider, 'local');
    assert.equal(c.secrets['LOCAL_KEY'], 'secret');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ providers: {}, models: { m: { provider: 'nope' } } }));
    assert.throws(() => loadConfig({ PROCTOR_CONFIG: bad }), /unknown provider 'nope'/);
    assert.throws(() => loadConfig({ PROCTOR_CONFIG: join(dir, 'missing.json') }), /cannot read/);
  });
});
