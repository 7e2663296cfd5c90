import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseVerdict } from '../../src/ai/changelog-analyzer.js';
import { FAKE_USAGE, startFakeOpenAI } from '../helpers/fakes/fake-openai.js';
import { bearer } from '../helpers/keys.js';
import { aiKey, buildAiApp, fake, tokensOf } from './ai-http-fixtures.js';

const reference = {
  version: '1.2.0',
  changelog: '- Fixed memory leak\n- Added dark mode\n- Breaking: Removed Node 14 support',
};

const verdict = {
  analysis: 'Fixes a memory leak, adds dark mode and drops Node.js 14.',
  breaking: true,
  severity: 'major',
};

async function analyzerApp(t: Parameters<typeof buildAiApp>[0], reply?: string) {
  if (reply === undefined) return { app: await buildAiApp(t, {}), server: undefined };
  const server = await fake(t, startFakeOpenAI({ reply }));
  const app = await buildAiApp(t, { openai: { apiKey: 'sk-fake', baseUrl: `${server.url}/v1` } });
  return { app, server };
}

async function analyze(app: Awaited<ReturnType<typeof analyzerApp>>['app'], body: object = reference) {
  const key = await aiKey(app);
  return app.inject({ method: 'POST', url: '/ai/analyze-changelog', headers: bearer(key), payload: body });
}

describe('POST /ai/analyze-changelog', () => {
  it('answers the reference example with the heuristic when no provider is configured', async (t) => {
    const { app } = await analyzerApp(t);
    const response = await analyze(app);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.version, '1.2.0');
    assert.equal(body.breaking, true);
    assert.equal(body.severity, 'major');
    assert.equal(body.source, 'heuristic');
    assert.match(body.analysis, /Node 14/);
  });

  it('answers with the model when it returns a valid JSON verdict, and bills the key', async (t) => {
    const { app, server } = await analyzerApp(t, `\`\`\`json\n${JSON.stringify(verdict)}\n\`\`\``);
    const response = await analyze(app);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      version: '1.2.0',
      ...verdict,
      source: 'ai',
      model: 'gpt-4o-mini',
      provider: 'openai',
      tokens_used: FAKE_USAGE.prompt_tokens + FAKE_USAGE.completion_tokens,
    });
    const sent = server!.requests.at(-1)?.body as { messages: Array<{ role: string; content: string }> };
    assert.equal(sent.messages[0]?.role, 'system');
    assert.match(sent.messages[1]?.content ?? '', /Removed Node 14 support/);
    assert.deepEqual(await tokensOf(app), {
      prompt: FAKE_USAGE.prompt_tokens,
      completion: FAKE_USAGE.completion_tokens,
    });
  });

  it('falls back to the heuristic when the model answers garbage (the tokens are still billed)', async (t) => {
    const { app } = await analyzerApp(t, 'Sure! This release looks great.');
    const body = (await analyze(app)).json();
    assert.equal(body.source, 'heuristic');
    assert.equal(body.breaking, true);
    assert.equal(body.severity, 'major');
    assert.equal((await tokensOf(app)).prompt, FAKE_USAGE.prompt_tokens);
  });

  it('falls back to the heuristic when the provider fails', async (t) => {
    const { app, server } = await analyzerApp(t, JSON.stringify(verdict));
    server!.script({ kind: 'status', status: 503 });
    const body = (await analyze(app, { version: '2.1.1', changelog: '- Fixed a crash on startup' })).json();
    assert.equal(body.source, 'heuristic');
    assert.equal(body.breaking, false);
    assert.equal(body.severity, 'patch');
  });

  it('a model naming no provider serves is the caller’s error (400), not a fallback', async (t) => {
    const { app } = await analyzerApp(t, JSON.stringify(verdict));
    const response = await analyze(app, { ...reference, model: 'gpt-9' });
    assert.equal(response.statusCode, 400);
  });
});

describe('parseVerdict', () => {
  it('reads bare or fenced JSON, and makes a breaking release major', () => {
    assert.deepEqual(parseVerdict(JSON.stringify(verdict)), verdict);
    assert.deepEqual(
      parseVerdict(`Here:\n\`\`\`json\n${JSON.stringify({ ...verdict, severity: 'minor' })}\n\`\`\``),
      verdict,
    );
  });

  it('refuses answers without a well-formed verdict', () => {
    for (const text of [
      null,
      '',
      'no json here',
      '{"analysis": "x", "breaking": "yes", "severity": "major"}',
      '{"analysis": "", "breaking": false, "severity": "patch"}',
      '{"analysis": "x", "breaking": false, "severity": "huge"}',
      '{"analysis": "x", "breaking": false',
      '[1, 2]',
    ]) {
      assert.equal(parseVerdict(text), undefined, String(text));
    }
  });
});
