/**
 * A fake Azure OpenAI resource: `/openai/deployments/{deployment}/chat/completions?api-version=…`
 * with the `api-key` header, streams that start with the prompt-filter chunk (empty `choices`) and
 * carry `content_filter_results` on every choice, and `/openai/models`.
 */

import { type FakeOpenAIOptions, openAIAnswers, openAIError } from './fake-openai.js';
import { type FakeServer, sseFrame, startFakeServer } from './fake-server.js';

export interface FakeAzureOptions extends Omit<FakeOpenAIOptions, 'models'> {
  apiKey: string;
  /** Deployment name → the model it runs. */
  deployments: Record<string, string>;
}

const SAFE = { filtered: false, severity: 'safe' };
const CONTENT_FILTER_RESULTS = { hate: SAFE, self_harm: SAFE, sexual: SAFE, violence: SAFE };
const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/;

export function startFakeAzureOpenAI(options: FakeAzureOptions): Promise<FakeServer> {
  const answers = openAIAnswers(options, { chunkExtras: { content_filter_results: CONTENT_FILTER_RESULTS } });
  return startFakeServer(async (exchange) => {
    const { request } = exchange;
    if (request.headers['api-key'] !== options.apiKey) {
      return exchange.json(401, {
        error: {
          code: '401',
          message: 'Access denied due to invalid subscription key or wrong API endpoint.',
        },
      });
    }
    if (!request.query.get('api-version')) {
      return exchange.json(404, { error: { code: '404', message: 'Resource not found' } });
    }
    const behaviour = request.behaviour;
    if (behaviour.kind === 'status') {
      return exchange.json(
        behaviour.status,
        openAIError(behaviour.status, behaviour.message ?? 'failure'),
        behaviour.headers,
      );
    }
    if (request.method === 'GET' && request.path === '/openai/models') {
      const data = Object.values(options.deployments).map((id) => ({
        id,
        object: 'model',
        created_at: 1_700_000_000,
      }));
      return exchange.json(200, { object: 'list', data });
    }
    const match = DEPLOYMENT_PATH.exec(request.path);
    const model = match ? options.deployments[decodeURIComponent(match[1]!)] : undefined;
    if (request.method !== 'POST' || model === undefined) {
      return exchange.json(404, {
        error: {
          code: 'DeploymentNotFound',
          message: 'The API deployment for this resource does not exist.',
        },
      });
    }
    const body = { ...(request.body as { stream?: boolean }), model };
    if (body.stream === true) {
      const [keepAlive = '', ...rest] = answers.streamFrames(exchange, body);
      const promptFilter = sseFrame({
        id: '',
        object: '',
        created: 0,
        model: '',
        choices: [],
        prompt_filter_results: [{ prompt_index: 0, content_filter_results: CONTENT_FILTER_RESULTS }],
      });
      return exchange.writeEvents([keepAlive, promptFilter, ...rest]);
    }
    if (behaviour.kind === 'invalid-json') return exchange.json(200, '{"choices": [');
    const completion = answers.completion(exchange, body);
    return exchange.json(200, {
      ...completion,
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: CONTENT_FILTER_RESULTS }],
    });
  }, options);
}
