/**
 * The upstream of the AI proxy benchmark: the tests' fake OpenAI server, in a process of its own so
 * that the gateway and the direct baseline talk to the same server under the same CPU contention.
 * Keeps no request log (the load would grow it without bound). Prints `listening on <url>`.
 */
import { startFakeOpenAI } from '../test/helpers/fakes/fake-openai.js';

const fake = await startFakeOpenAI({ apiKey: process.env.FAKE_OPENAI_API_KEY, record: false });
process.stdout.write(`listening on ${fake.url}\n`);
process.once('SIGTERM', () => {
  void fake.close().then(() => process.exit(0));
});
