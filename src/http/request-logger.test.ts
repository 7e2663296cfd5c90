import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { requestLoggerFactory } from './request-logger.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', base: undefined, timestamp: false },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  return { lines, logger: logger as unknown as FastifyBaseLogger };
}

describe('request loggers', () => {
  it('make no pino child until a request logs, then write what pino’s child writes', () => {
    const lazy = capturingLogger();
    const eager = capturingLogger();
    let children = 0;
    const child = lazy.logger.child;
    // pino's children inherit this method from the logger: counted for them too.
    lazy.logger.child = function (this: FastifyBaseLogger, bindings, options) {
      children += 1;
      return child.call(this, bindings, options);
    };
    const bindings = { requestId: 'req_abc' };
    const quiet = requestLoggerFactory(lazy.logger, bindings, {});
    assert.equal(children, 0);
    const logging = requestLoggerFactory(lazy.logger, bindings, { level: 'debug' });
    const reference = eager.logger.child(bindings, { level: 'debug' });
    logging.info({ code: 'LC_ERR_X' }, 'request failed');
    reference.info({ code: 'LC_ERR_X' }, 'request failed');
    assert.equal(children, 1);
    for (const log of [logging, reference]) {
      log.debug('detail %s', 'here');
      log.trace('not written');
      log.error(new Error('boom'));
      log.child({ part: 'x' }).warn('nested');
    }
    assert.equal(logging.level, 'debug');
    const withoutStacks = (lines: Record<string, unknown>[]) =>
      lines.map((line) => JSON.stringify(line).replace(/"stack":"[^"]*"/, ''));
    assert.deepEqual(withoutStacks(lazy.lines), withoutStacks(eager.lines));
    assert.equal(lazy.lines.length, 4);
    assert.equal(lazy.lines[0]?.requestId, 'req_abc');
    assert.equal(quiet.level, 'info');
  });
});
