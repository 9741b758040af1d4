import { after, before } from 'node:test';
import { configFileSchema } from '../../src/config.ts';
import { ModelClients } from '../../src/providers/model-client.ts';
import { FAKE_OPENAI_API_KEY, startFakeOpenAI, type FakeOpenAI } from './fake-openai/fake-openai.ts';

/**
 * For the enclosing describe: a fake upstream (requests recorded) and the real `ModelClients`
 * pointed at it as the default provider — what model graders call in production.
 */
export function useFakeModelClients(): { readonly fake: FakeOpenAI; readonly clients: ModelClients } {
  let fake: FakeOpenAI | null = null;
  let clients: ModelClients | null = null;
  before(async () => {
    fake = await startFakeOpenAI({ recordRequests: true });
    clients = new ModelClients({
      configFile: configFileSchema.parse({ providers: { fake: { type: 'openai', base_url: fake.url, api_key: FAKE_OPENAI_API_KEY } }, models: {}, default_provider: 'fake' }),
      secrets: {},
      timeoutMs: 5_000,
    });
  });
  after(async () => {
    await fake?.close();
  });
  const need = <T>(value: T | null): T => {
    if (value === null) throw new Error('the fake upstream has not started');
    return value;
  };
  return {
    get fake() {
      return need(fake);
    },
    get clients() {
      return need(clients);
    },
  };
}
