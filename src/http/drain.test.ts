import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDrain, withDrainAnswer } from './drain.js';

describe('drain', () => {
  it('ends as soon as the last request in flight ends, without touching the deadline', async () => {
    const drain = createDrain();
    const endFirst = drain.track();
    const endSecond = drain.track();
    const outcome = drain.run(600_000);
    assert.equal(drain.draining, true);
    endFirst();
    endFirst(); // ending twice counts once
    endSecond();
    assert.equal(await outcome, 'idle');
    assert.equal(drain.deadline.aborted, false);
  });

  it('at the deadline aborts its signal, then waits for the requests it ended', async () => {
    const drain = createDrain();
    const endStream = drain.track();
    // The stream ends when the deadline tells it to, as an AI stream does.
    drain.deadline.addEventListener('abort', () => setImmediate(endStream));
    assert.equal(await drain.run(1, 600_000), 'deadline');
    assert.equal(drain.deadline.aborted, true);
  });

  it('with nothing in flight ends at once', async () => {
    assert.equal(await createDrain().run(600_000), 'idle');
  });

  it('documents its 503 on every route but the probes, keeping a 503 a route documents itself', () => {
    const response = { 200: { type: 'object' } };
    const routed = withDrainAnswer({ response }, 'key') as { response: Record<string, unknown> };
    assert.deepEqual(Object.keys(routed.response), ['200', '503']);
    const probe = withDrainAnswer({ response }, 'exempt') as { response: Record<string, unknown> };
    assert.deepEqual(Object.keys(probe.response), ['200']);
    const own = { description: 'mine' };
    const documented = withDrainAnswer({ response: { ...response, 503: own } }, 'ai') as {
      response: Record<string, unknown>;
    };
    assert.equal(documented.response[503], own);
  });
});
