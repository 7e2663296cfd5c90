import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OpenAICompatibleProvider } from '../../src/ai/providers/openai-compatible.js';
import { AppError } from '../../src/errors.js';
import { FAKE_USAGE } from '../helpers/fakes/fake-openai.js';
import { type FakeBehaviour, unreachableUrl } from '../helpers/fakes/fake-server.js';
import { chatRequest, drain, routerOverFakes } from './router-fixtures.js';

const failures: Array<[string, FakeBehaviour | 'down', string]> = [
  ['down', 'down', 'connect'],
  ['500', { kind: 'status', status: 500 }, 'server'],
  ['429', { kind: 'status', status: 429, headers: { 'retry-after': '20' } }, 'rate_limited'],
  ['hanging (timeout)', { kind: 'hang' }, 'timeout'],
];

describe('model router failover matrix', () => {
  for (const stream of [false, true]) {
    for (const [label, behaviour, kind] of failures) {
      it(`${stream ? 'stream' : 'completion'}: first provider ${label} → answer from the second, first cooled down`, async (t) => {
        const { router, fakes, clock } = await routerOverFakes(t, 2);
        if (behaviour === 'down') {
          await fakes.a!.close();
        } else fakes.a!.script(behaviour);
        const routed = stream
          ? await router.streamCompletion(chatRequest)
          : await router.chatCompletion(chatRequest);
        assert.equal(routed.provider, 'b');
        assert.deepEqual(
          routed.failedAttempts.map((attempt) => [attempt.provider, attempt.kind]),
          [['a', kind]],
        );
        if ('chunks' in routed)
          assert.deepEqual((await drain(routed.chunks)).at(-1)?.usage, { ...FAKE_USAGE, total_tokens: 26 });
        const a = router.status().providers.find((provider) => provider.name === 'a')!;
        assert.equal(a.available, false);
        assert.equal(a.errors, 1);
        if (label === '429')
          assert.equal(a.cooldownUntil, clock.now() + 20_000, 'retry-after sets the cool-down');
        // While cooled down, the first provider is not even tried.
        const next = await router.chatCompletion(chatRequest);
        assert.equal(next.provider, 'b');
        assert.deepEqual(next.failedAttempts, []);
      });
    }
  }

  it('does not fail over on a client error (4xx): the request is at fault, not the provider', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 2);
    fakes.a!.script({ kind: 'status', status: 400 });
    await assert.rejects(router.chatCompletion(chatRequest), { code: 'AI_PROVIDER_ERROR' });
    assert.equal(fakes.b!.requests.length, 0);
    assert.equal(router.status().providers[0]?.available, true, 'no cool-down for client errors');
  });

  it('surfaces AI_PROVIDER_ERROR, UPSTREAM_TIMEOUT or AI_UNAVAILABLE once every candidate failed', async (t) => {
    const { router, fakes, clock } = await routerOverFakes(t, 2, { cooldown: { baseMs: 1_000 } });
    fakes.a!.script({ kind: 'status', status: 502 });
    fakes.b!.script({ kind: 'status', status: 503 });
    await assert.rejects(router.chatCompletion(chatRequest), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'AI_PROVIDER_ERROR');
      assert.deepEqual(error.details, {
        attempts: [
          { provider: 'a', kind: 'server', status: 502 },
          { provider: 'b', kind: 'server', status: 503 },
        ],
      });
      return true;
    });
    clock.advance(60_000);
    fakes.a!.script({ kind: 'hang' });
    fakes.b!.script({ kind: 'hang' });
    await assert.rejects(router.chatCompletion(chatRequest), { code: 'UPSTREAM_TIMEOUT' });
    clock.advance(60_000);
    fakes.a!.script({ kind: 'status', status: 429, headers: { 'retry-after': '5' } });
    fakes.b!.script({ kind: 'status', status: 429, headers: { 'retry-after': '9' } });
    await assert.rejects(router.chatCompletion(chatRequest), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'AI_UNAVAILABLE');
      assert.equal(error.headers?.['Retry-After'], '9');
      return true;
    });
  });

  it('cools down a single provider too: fail fast with AI_UNAVAILABLE, recover after the cool-down', async (t) => {
    const { router, fakes, clock } = await routerOverFakes(t, 1, { cooldown: { baseMs: 10_000 } });
    fakes.a!.script({ kind: 'status', status: 500 });
    await assert.rejects(router.chatCompletion(chatRequest), { code: 'AI_PROVIDER_ERROR' });
    await assert.rejects(router.streamCompletion(chatRequest), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'AI_UNAVAILABLE');
      assert.equal(error.headers?.['Retry-After'], '10');
      return true;
    });
    assert.equal(fakes.a!.requests.length, 1, 'no upstream call while cooling down');
    clock.advance(10_000);
    assert.equal((await router.chatCompletion(chatRequest)).provider, 'a');
    // Consecutive failures lengthen the cool-down; a success resets it.
    fakes.a!.script({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    await assert.rejects(router.chatCompletion(chatRequest));
    clock.advance(10_000);
    await assert.rejects(router.chatCompletion(chatRequest));
    assert.equal(router.status().providers[0]?.cooldownUntil, clock.now() + 20_000);
  });

  it('a stream cut mid-way ends with an error (no failover, no silent end) and cools the provider down', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 2);
    fakes.a!.script({ kind: 'cut-mid-stream', afterEvents: 4 });
    const routed = await router.streamCompletion(chatRequest);
    assert.equal(routed.provider, 'a');
    const received: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const chunk of routed.chunks) received.push(chunk);
      })(),
      (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'AI_PROVIDER_ERROR');
        assert.deepEqual(error.details, { provider: 'a', kind: 'server', after_first_chunk: true });
        return true;
      },
    );
    assert.ok(received.length >= 1);
    assert.equal(fakes.b!.requests.length, 0, 'no failover after the first chunk');
    const a = router.status().providers[0]!;
    assert.equal(a.available, false);
    assert.equal(a.inFlight, 0);
  });

  it('a client abort mid-stream closes the upstream connection and counts no provider error', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 1);
    fakes.a!.script({ kind: 'stall-mid-stream', afterEvents: 3 });
    const controller = new AbortController();
    const routed = await router.streamCompletion(chatRequest, { signal: controller.signal });
    await routed.chunks.next();
    controller.abort();
    await assert.rejects(drain(routed.chunks), { code: 'AI_PROVIDER_ERROR', details: { kind: 'aborted' } });
    await fakes.a!.requests[0]!.closed;
    assert.equal(fakes.a!.requests[0]!.clientClosedEarly, true);
    const a = router.status().providers[0]!;
    assert.deepEqual([a.errors, a.inFlight, a.available], [0, 0, true]);
  });

  it('abandoning a stream (return) closes the upstream connection and settles the counters', async (t) => {
    const { router, fakes } = await routerOverFakes(t, 1);
    fakes.a!.script({ kind: 'stall-mid-stream', afterEvents: 3 });
    const routed = await router.streamCompletion(chatRequest);
    await routed.chunks.return?.();
    await fakes.a!.requests[0]!.closed;
    assert.equal(fakes.a!.requests[0]!.clientClosedEarly, true);
    assert.equal(router.status().providers[0]?.inFlight, 0);
  });

  it('counts tokens and latency per provider and reports each call', async (t) => {
    const records: unknown[] = [];
    const { router } = await routerOverFakes(t, 1, { onCallFinished: (record) => records.push(record) });
    await router.chatCompletion(chatRequest);
    await drain((await router.streamCompletion(chatRequest)).chunks);
    const a = router.status().providers[0]!;
    assert.equal(a.promptTokens, 2 * FAKE_USAGE.prompt_tokens);
    assert.equal(a.completionTokens, 2 * FAKE_USAGE.completion_tokens);
    assert.deepEqual([a.requests, a.successes, a.errors, a.latencySamples], [2, 2, 0, 2]);
    assert.deepEqual(
      records.map((record) => (record as { outcome: string; stream: boolean }).outcome),
      ['success', 'success'],
    );
  });

  it('a custom provider that throws anything is treated as a failing provider', async (t) => {
    const { router } = await routerOverFakes(t, 1);
    const broken = new OpenAICompatibleProvider({ name: 'broken', baseUrl: `${await unreachableUrl()}/v1` });
    broken.chatCompletion = async () => {
      throw new TypeError('bug');
    };
    router.registerProvider('broken', broken, { models: ['gpt-4o-mini'], priority: -1 });
    const routed = await router.chatCompletion(chatRequest);
    assert.equal(routed.provider, 'a');
    assert.deepEqual(routed.failedAttempts, [{ provider: 'broken', kind: 'server' }]);
  });
});
