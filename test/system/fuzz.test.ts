/**
 * A fuzz suite derived from the OpenAPI document: every operation it states gets valid and hostile
 * requests (see test/helpers/fuzz/), sent with the admin key to a gateway whose catalog names what
 * the paths ask for, on each database. Every answer must be below 500 and documented (the answer
 * check of buildTestApp), a 4xx must be the error envelope, and a refused request must leave the
 * database and the artifacts directory as they were.
 *
 * Bounded and reproducible: FUZZ_RUNS requests per operation (default 30) from FUZZ_SEED (default
 * 20260207); the seed and the number of cases are printed. No operation is left out: the AI routes
 * answer from a fake OpenAI upstream and GitHub sync asks a fake GitHub, as in their own suites.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildAiTestApp, providerOfKind } from '../ai/ai-http-fixtures.js';
import { multipart } from '../artifacts/artifacts-fixtures.js';
import {
  addBuild,
  admin,
  createProject,
  createVersion,
  publishVersion,
} from '../catalog/catalog-fixtures.js';
import { startFakeGithub } from '../helpers/fakes/fake-github.js';
import { type FuzzOperation, operationsOf } from '../helpers/fuzz/operations.js';
import { describeRequest, type Fixture, requestsFor } from '../helpers/fuzz/requests.js';
import { settle, storedState } from '../helpers/fuzz/stored-state.js';
import { adminAuth } from '../helpers/keys.js';
import type { OpenApiDocument } from '../helpers/openapi-conformance.js';
import { databaseBackends } from '../helpers/services.js';
import { testConfig } from '../helpers/test-config.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20260207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

/** Uploads get three times the runs: a multipart form has a dozen ways to break (see requests.ts). */
const runsFor = (operation: FuzzOperation) => (operation.bodies['multipart/form-data'] ? 3 * RUNS : RUNS);

const UNLIMITED = { max: 1_000_000_000, windowMs: 3_600_000 };
const NO_RATE_LIMITS = {
  ...testConfig().rateLimits,
  key: UNLIMITED,
  ip: UNLIMITED,
  ai: UNLIMITED,
  unauthenticated: UNLIMITED,
  keyIssuance: UNLIMITED,
};

/**
 * A project of its own for each operation (so that one operation deleting its project leaves the
 * others theirs): a published 1.0.0 on `stable` with a windows-x64 build, and a key; for the signed
 * file links also an uploaded build and a valid signature.
 */
async function seed(app: FastifyInstance, index: number, path: string): Promise<Fixture> {
  const projectId = `fuzz-${index}`;
  const keyName = `fuzz-key-${index}`;
  await createProject(app, { id: projectId, name: `Fuzz ${index}` });
  await createVersion(app, projectId, 'stable', { version: '1.0.0' });
  const build = await addBuild(app, projectId, 'stable', '1.0.0', {
    platform: 'windows',
    architecture: 'x64',
    // Verification on demand looks it up: a name that resolves nowhere, at once.
    download_url: `https://cdn.example.invalid/${projectId}/app.bin`,
  });
  await publishVersion(app, projectId, 'stable', '1.0.0');
  await admin(app, 'POST', '/admin/keys', { name: keyName, permissions: { canReadProjects: true } });
  const fixture: Fixture = {
    projectId,
    channelId: 'stable',
    versionId: '1.0.0',
    version: '1.0.0',
    buildId: 'windows-x64',
    fileName: build.file_name,
    keyName,
    currentVersion: '0.9.0',
    'query:current_version': '0.9.0',
    'query:platform': 'windows',
    'query:architecture': 'x64',
    'query:project_id': projectId,
  };
  if (!path.startsWith('/files/')) return fixture;
  // The signed file links: an uploaded build, and the link its download redirects to.
  const uploaded = await app.inject({
    method: 'POST',
    url: `/admin/projects/${projectId}/channels/stable/versions/1.0.0/builds`,
    ...multipart(
      { platform: 'linux', architecture: 'x64' },
      Buffer.from('0123456789'.repeat(100)),
      'app.bin',
    ),
  });
  assert.equal(uploaded.statusCode, 201, uploaded.body);
  const download = `/projects/${projectId}/channels/stable/versions/1.0.0/builds/linux-x64/download`;
  const redirect = await app.inject({ url: download, headers: adminAuth });
  const signed = new URL(String(redirect.headers.location));
  return {
    ...fixture,
    buildId: 'linux-x64',
    fileName: 'app.bin',
    'query:expires': signed.searchParams.get('expires') ?? '',
    'query:signature': signed.searchParams.get('signature') ?? '',
  };
}

/** A request the gateway never answers (a parser waiting forever) fails its case instead of the run. */
const ANSWER_TIMEOUT_MS = 30_000;

async function answerOf(
  injected: Promise<LightMyRequestResponse>,
  what: string,
): Promise<LightMyRequestResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no answer within ${ANSWER_TIMEOUT_MS} ms`)),
      ANSWER_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      injected.catch((error: Error) => {
        throw new Error(`${what}: ${error.message}`);
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function assertErrorEnvelope(status: number, body: string, what: string): void {
  const parsed = JSON.parse(body) as { error?: { code?: unknown; request_id?: unknown } };
  assert.equal(typeof parsed.error?.code, 'string', `${what}: ${status} without the error envelope`);
  assert.equal(typeof parsed.error?.request_id, 'string', `${what}: envelope without request_id`);
}

for (const { backend, skip } of await databaseBackends()) {
  describe(`fuzz of every documented operation [${backend}]`, { skip }, () => {
    it('answers below 500, as documented, and stores nothing it refuses', { timeout: 900_000 }, async (t) => {
      const openai = await providerOfKind(t, 'openai');
      const github = await startFakeGithub();
      t.after(() => github.close());
      const { app, namespace } = await buildAiTestApp(t, openai.settings, {
        backend,
        config: {
          rateLimits: NO_RATE_LIMITS,
          github: { ...testConfig().github, apiUrl: github.url, syncIntervalMs: 0 },
        },
      });
      const document = (await app.inject({ url: '/openapi.json' })).json() as OpenApiDocument;
      const operations = operationsOf(document);
      const started = Date.now();
      let cases = 0;
      const answered: Record<string, number> = {};
      const empty = await storedState(app, namespace.dataDir);
      for (const [index, operation] of operations.entries()) {
        const fixture = await seed(app, index, operation.path);
        await settle(app);
        let stored = await storedState(app, namespace.dataDir);
        // The comparison sees writes: seeding changed what is stored.
        if (index === 0) assert.notDeepEqual(stored, empty);
        await t.test(`${operation.method} ${operation.path}`, async () => {
          const property = fc.asyncProperty(requestsFor(operation, fixture, adminAuth), async (request) => {
            cases += 1;
            const what = describeRequest(request);
            const { kind: _kind, ...options } = request;
            const response = await answerOf(app.inject(options), what);
            const status = response.statusCode;
            answered[`${String(status)[0]}xx`] = (answered[`${String(status)[0]}xx`] ?? 0) + 1;
            assert.ok(status < 500, `${what}: answered ${status} ${response.body.slice(0, 500)}`);
            await settle(app);
            const after = await storedState(app, namespace.dataDir);
            if (status >= 400) {
              assertErrorEnvelope(status, response.body, what);
              assert.deepEqual(after, stored, `${what}: refused with ${status}, but stored something`);
            }
            stored = after;
          });
          await fc.assert(property, { seed: SEED, numRuns: runsFor(operation), endOnFailure: true });
        });
      }
      t.diagnostic(
        `fuzz [${backend}]: seed ${SEED} (FUZZ_SEED), ${operations.length} operations, ${RUNS} runs each (FUZZ_RUNS; uploads 3×): ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s; answers ${JSON.stringify(answered)}`,
      );
    });
  });
}
