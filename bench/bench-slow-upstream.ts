/**
 * The upstream of the streaming-capacity benchmark: an OpenAI-compatible server whose streams send
 * one token every TOKEN_MS (default 50) ms, `max_tokens` tokens (default 20), like a model
 * generating. The frames are the tests' fake OpenAI frames (role chunk first, then one chunk per
 * token, the finish chunk, the usage chunk when asked for, `data: [DONE]`). Requires
 * `Bearer FAKE_OPENAI_API_KEY`; answers `/v1/models` for the gateway's health checks. Keeps no
 * request log. Prints `listening on <url>`.
 */
import { FAKE_USAGE, openAIAnswers, openAIError } from '../test/helpers/fakes/fake-openai.js';
import { startFakeServer } from '../test/helpers/fakes/fake-server.js';

const apiKey = process.env.FAKE_OPENAI_API_KEY;
const tokenMs = Number(process.env.TOKEN_MS ?? 50);
const DEFAULT_TOKENS = 20;

/** Answers whose reply has `tokens` words, one stream chunk each; built once per length. */
const answersByLength = new Map<number, ReturnType<typeof openAIAnswers>>();
function answersFor(tokens: number) {
  let answers = answersByLength.get(tokens);
  if (answers === undefined) {
    const reply = Array.from({ length: tokens }, (_, i) => `token${i}`).join(' ');
    answers = openAIAnswers({ reply, usage: { ...FAKE_USAGE, completion_tokens: tokens } });
    answersByLength.set(tokens, answers);
  }
  return answers;
}

const fake = await startFakeServer(
  (exchange) => {
    const { request, res } = exchange;
    if (request.headers.authorization !== `Bearer ${apiKey}`)
      return exchange.json(401, openAIError(401, 'Incorrect API key provided'));
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = [{ id: 'gpt-4o-mini', object: 'model', created: 1_700_000_000, owned_by: 'fake' }];
      return exchange.json(200, { object: 'list', data });
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions')
      return exchange.json(404, openAIError(404, `Unknown request URL: ${request.method} ${request.path}`));
    const body = (request.body ?? {}) as { max_tokens?: number; stream?: boolean };
    const tokens = Math.max(1, Math.min(Number(body.max_tokens ?? DEFAULT_TOKENS), 10_000));
    const answers = answersFor(tokens);
    if (body.stream !== true) return exchange.json(200, answers.completion(exchange, body));

    // [keep-alive comment, role chunk, one chunk per token, finish, (usage), [DONE]]
    const frames = answers.streamFrames(exchange, body);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(frames[0]! + frames[1]!);
    let next = 2;
    const timer = setInterval(() => {
      if (next < 2 + tokens - 1) {
        res.write(frames[next++]!);
        return;
      }
      clearInterval(timer);
      res.end(frames.slice(next).join(''));
    }, tokenMs);
    res.once('close', () => clearInterval(timer));
  },
  { record: false },
);
process.stdout.write(`listening on ${fake.url}\n`);
process.once('SIGTERM', () => {
  void fake.close().then(() => process.exit(0));
});
