import type { TestContext } from 'node:test';
import { createModelRouter, type ModelRouterOptions } from '../../src/ai/model-router.js';
import { OpenAICompatibleProvider } from '../../src/ai/providers/openai-compatible.js';
import type { ChatCompletionChunk } from '../../src/ai/providers/provider.js';
import { createManualClock } from '../../src/infra/clock.js';
import { startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import type { FakeServer, FakeServerOptions } from '../helpers/fakes/fake-server.js';

export const chatRequest = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Hi' }] };

/** A router with a manual clock over fake OpenAI-compatible upstreams named a, b, c… */
export async function routerOverFakes(
  t: Pick<TestContext, 'after'>,
  count: number,
  options: ModelRouterOptions & { fakeOptions?: (name: string) => FakeServerOptions } = {},
) {
  const clock = createManualClock();
  const router = createModelRouter({ clock, ...options });
  const fakes: Record<string, FakeServer> = {};
  for (const name of ['a', 'b', 'c', 'd'].slice(0, count)) {
    const fake = await startFakeOpenAI(options.fakeOptions?.(name));
    fakes[name] = fake;
    const provider = new OpenAICompatibleProvider({
      name,
      baseUrl: `${fake.url}/v1`,
      timeouts: { headersMs: 80, idleMs: 80 },
    });
    router.registerProvider(name, provider, { models: ['gpt-4o-mini'] });
  }
  t.after(async () => {
    await router.close();
    await Promise.all(Object.values(fakes).map((fake) => fake.close()));
  });
  return { router, fakes, clock };
}

export async function drain(chunks: AsyncIterable<ChatCompletionChunk>) {
  const received: ChatCompletionChunk[] = [];
  for await (const chunk of chunks) received.push(chunk);
  return received;
}

export const servedBy = (fakes: Record<string, FakeServer>) =>
  Object.fromEntries(Object.entries(fakes).map(([name, fake]) => [name, fake.requests.length]));
