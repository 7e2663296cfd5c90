/**
 * The upstream of the AI proxy benchmark: the tests' fake OpenAI server, in a process of its own so
 * that the gateway and the direct baseline talk to the same server under the same CPU contention.
 * Keeps no request log (the load would grow it without bound). Prints `listening on <url>`.
 * KEEP_ALIVE_MS sets how long it keeps an idle connection (Node's default, 5 s, when unset).
 */
import { startFakeOpenAI } from '../test/helpers/fakes/fake-openai.js';

const keepAlive = process.env.KEEP_ALIVE_MS;
const fake = await startFakeOpenAI({
  apiKey: process.env.FAKE_OPENAI_API_KEY,
  record: false,
  ...(keepAlive === undefined ? {} : { keepAliveMs: Number(keepAlive) }),
});
process.stdout.write(`listening on ${fake.url}\n`);
process.once('SIGTERM', () => {
  void fake.close().then(() => process.exit(0));
});
