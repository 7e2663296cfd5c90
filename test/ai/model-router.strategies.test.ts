import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LMStudioProvider } from '../../src/ai/providers/lmstudio.js';
import type { ManualClock } from '../../src/infra/clock.js';
import { startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import { chatRequest, drain, routerOverFakes, servedBy } from './router-fixtures.js';

describe('model router strategies against fake upstreams', () => {
  it('round-robin distributes evenly', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 3, { strategy: 'round-robin' });
    for (let i = 0; i < 30; i += 1) await router.chatCompletion(chatRequest);
    assert.deepEqual(servedBy(fakes), { a: 10, b: 10, c: 10 });
  });

  it('least-loaded avoids a provider with a request in flight', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 2, { strategy: 'least-loaded' });
    fakes.a!.script({ kind: 'stall-mid-stream', afterEvents: 3 });
    const busy = await router.streamCompletion(chatRequest);
    assert.equal(busy.provider, 'a');
    for (let i = 0; i < 4; i += 1) assert.equal((await router.chatCompletion(chatRequest)).provider, 'b');
    await busy.chunks.return?.();
    assert.equal((await router.chatCompletion(chatRequest)).provider, 'a', 'idle again: priority order');
  });

  it('fastest explores untried providers, then prefers the faster one', async (t) => {
    let clock: ManualClock | undefined;
    const latency: Record<string, number> = { a: 80, b: 10, c: 40 };
    const setup = await routerOverFakes(t, 3, {
      strategy: 'fastest',
      // Each fake "takes" its latency on the router's clock: no wall-clock waiting.
      fakeOptions: (name) => ({ onRequest: () => clock?.advance(latency[name]!) }),
    });
    clock = setup.clock;
    const picks: string[] = [];
    for (let i = 0; i < 8; i += 1) picks.push((await setup.router.chatCompletion(chatRequest)).provider);
    assert.deepEqual(picks, ['a', 'b', 'c', 'b', 'b', 'b', 'b', 'b']);
    assert.equal(setup.router.status().providers.find((p) => p.name === 'b')?.avgLatencyMs, 10);
  });

  it('priority uses the configured order and falls back in that order', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 3, { strategy: 'priority' });
    for (let i = 0; i < 3; i += 1) await router.chatCompletion(chatRequest);
    assert.deepEqual(servedBy(fakes), { a: 3, b: 0, c: 0 });
    fakes.a!.script({ kind: 'status', status: 500 });
    fakes.b!.script({ kind: 'status', status: 500 });
    const routed = await router.chatCompletion(chatRequest);
    assert.equal(routed.provider, 'c');
    assert.deepEqual(
      routed.failedAttempts.map((attempt) => attempt.provider),
      ['a', 'b'],
    );
  });

  it('routes only to providers that serve the model, with aliases', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 2);
    const fake = await startFakeOpenAI({ models: ['llama-3.1-8b-instruct'] });
    const local = new LMStudioProvider({ baseUrl: fake.url });
    router.registerProvider('lmstudio', local, { aliases: { fast: 'llama-3.1-8b-instruct' }, priority: 5 });
    t.after(() => fake.close());
    // Discovered models become routable after a health check.
    await assert.rejects(router.chatCompletion({ ...chatRequest, model: 'llama-3.1-8b-instruct' }), {
      code: 'INVALID_REQUEST',
    });
    await router.runHealthChecks();
    const direct = await router.chatCompletion({ ...chatRequest, model: 'llama-3.1-8b-instruct' });
    assert.equal(direct.provider, 'lmstudio');
    const aliased = await router.streamCompletion({ ...chatRequest, model: 'fast' });
    assert.equal(aliased.provider, 'lmstudio');
    await drain(aliased.chunks);
    assert.equal((fake.requests.at(-1)!.body as { model: string }).model, 'llama-3.1-8b-instruct');
    assert.equal(fakes.a!.requests.filter((request) => request.method === 'POST').length, 0);
    // No model: any provider, with its default model.
    const anyModel = await router.chatCompletion({ messages: chatRequest.messages });
    assert.equal(anyModel.provider, 'a');
    assert.equal((fakes.a!.requests.at(-1)!.body as { model: string }).model, 'gpt-4o-mini');
    assert.deepEqual(
      router.listModels().map((model) => model.id),
      ['gpt-4o-mini', 'llama-3.1-8b-instruct', 'fast'],
    );
  });
});

describe('model router health checks', () => {
  it('runs on the injected timer, marks failing providers unavailable, and recovers', async (t) => {
    const ticks: Array<() => void> = [];
    const timers = {
      setInterval: (callback: () => void) => ticks.push(callback),
      clearInterval: () => {},
    };
    const { router, fakes } = await routerOverFakes(t, 2, { timers, healthCheckIntervalMs: 1_000 });
    fakes.a!.defaultBehaviour = { kind: 'status', status: 503 };
    router.startHealthChecks();
    await router.runHealthChecks();
    const [a, b] = router.status().providers;
    assert.deepEqual([a?.healthy, a?.available, b?.healthy, b?.available], [false, false, true, true]);
    assert.equal((await router.chatCompletion(chatRequest)).provider, 'b');
    assert.equal(ticks.length, 1);
    fakes.a!.defaultBehaviour = { kind: 'ok' };
    ticks[0]!();
    await router.runHealthChecks();
    assert.equal(router.status().providers[0]?.available, true);
    assert.equal((await router.chatCompletion(chatRequest)).provider, 'a');
  });

  it('answers AI_UNAVAILABLE when no provider is configured', async () => {
    const { createModelRouter } = await import('../../src/ai/model-router.js');
    await assert.rejects(createModelRouter().chatCompletion(chatRequest), { code: 'AI_UNAVAILABLE' });
  });
});
