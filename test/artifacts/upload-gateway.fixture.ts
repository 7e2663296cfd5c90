/**
 * A gateway in a process of its own, so that a test can measure the server's resident memory
 * apart from the client's: `node --import tsx upload-gateway.fixture.ts <dataDir> [<S3 storage JSON>]`
 * prints the port. With the second argument, uploads go to that bucket instead of the disk.
 */
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import type { S3StorageConfig } from '../../src/config.js';
import { testConfig } from '../helpers/test-config.js';

const dataDir = process.argv[2] as string;
const s3 = process.argv[3] === undefined ? undefined : (JSON.parse(process.argv[3]) as S3StorageConfig);
const config = testConfig({
  dataDir,
  database: { kind: 'sqlite', file: path.join(dataDir, 'lunarbit.db') },
  logLevel: 'warn',
});
const app = await buildApp({
  ...config,
  artifacts: { ...config.artifacts, storage: s3 ?? { kind: 'local' } },
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
process.on('SIGTERM', () => {
  app.close().finally(() => process.exit(0));
});
