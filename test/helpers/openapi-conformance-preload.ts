/**
 * Loaded (`--import`) into the gateway processes that tests start (`gateway-process.ts`): every
 * answer of every Fastify app in the process is checked against that app's OpenAPI document, and
 * each problem is written to stderr after `UNDOCUMENTED_ANSWER_MARK`, where the test side finds it.
 * Fastify announces each instance it creates on the `fastify.initialization` diagnostics channel.
 */
import diagnostics from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';
import {
  documentedResponseProblems,
  documentOf,
  recordAnswersOf,
  UNDOCUMENTED_ANSWER_MARK,
} from './openapi-conformance.js';

diagnostics.subscribe('fastify.initialization', (message) => {
  const { fastify } = message as { fastify: FastifyInstance };
  const document = documentOf(fastify);
  recordAnswersOf(fastify.server, (answer) => {
    for (const problem of documentedResponseProblems(document(), answer)) {
      process.stderr.write(`${UNDOCUMENTED_ANSWER_MARK}${problem.replaceAll('\n', ' ')}\n`);
    }
  });
});
