import fs from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { matchAssetToBuild } from '../github/asset-matcher.js';
import { type CliClient, CliError, segment } from './cli-client.js';
import { formatTable, type Output, printResult } from './cli-output.js';
import { multipartFileBody, sha256File } from './multipart-upload.js';

interface ReleaseTarget {
  project: string;
  channel: string;
  version: string;
}

const versionsPath = (t: Pick<ReleaseTarget, 'project' | 'channel'>) =>
  `/admin/projects/${segment(t.project)}/channels/${segment(t.channel)}/versions`;

/** Platform and architecture from the file name, with the matcher the GitHub sync uses. */
export function detectTarget(file: string): { platform: string; architecture: string } {
  const match = matchAssetToBuild(path.basename(file));
  if (match.kind !== 'build') {
    throw new CliError(
      `Cannot tell the platform of ${path.basename(file)} from its name (${match.kind === 'ignored' ? match.reason : match.attachment}); rename it (e.g. app-1.2.0-win-x64.exe)`,
      2,
    );
  }
  return { platform: match.platform, architecture: match.architecture };
}

async function uploadBuild(client: CliClient, target: ReleaseTarget, file: string, output: Output) {
  const { platform, architecture } = detectTarget(file);
  const sha256 = await sha256File(file);
  const size = fs.statSync(file).size;
  const bar =
    output.json || !process.stderr.isTTY
      ? undefined
      : new SingleBar({
          format: `${path.basename(file)} [{bar}] {percentage}% {value}/{total} bytes`,
        });
  bar?.start(size, 0);
  const upload = multipartFileBody(
    { platform, architecture, file_name: path.basename(file), sha256 },
    file,
    (sent) => bar?.update(sent),
  );
  try {
    return await client.upload<Record<string, unknown>>(
      `${versionsPath(target)}/${segment(target.version)}/builds`,
      upload.body,
      upload.contentType,
      upload.length,
    );
  } finally {
    bar?.stop();
  }
}

export function registerReleaseCommands(program: Command, clientOf: () => CliClient, outputOf: () => Output) {
  const release = program.command('release').description('publish, yank and promote versions');

  release
    .command('publish')
    .description('create a version, upload its files and publish it')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel id')
    .requiredOption('--version <semver>', 'version to create')
    .option('--notes-file <file>', 'release notes (Markdown)')
    .option('--draft', 'upload but leave the version unpublished')
    .argument('<files...>', 'build files; platform and architecture come from their names')
    .action(async (files: string[], options: ReleaseTarget & { notesFile?: string; draft?: boolean }) => {
      const client = clientOf();
      const output = outputOf();
      for (const file of files) {
        if (!fs.existsSync(file)) throw new CliError(`No such file: ${file}`, 2);
        detectTarget(file);
      }
      const releaseNotes = options.notesFile ? fs.readFileSync(options.notesFile, 'utf8') : undefined;
      const version = await client.post<{ id: string }>(versionsPath(options), {
        version: options.version,
        ...(releaseNotes !== undefined ? { release_notes: releaseNotes } : {}),
        status: 'draft',
      });
      const target = { ...options, version: version.id };
      const builds: Record<string, unknown>[] = [];
      for (const file of files) builds.push(await uploadBuild(client, target, file, output));
      if (!options.draft) await client.post(`${versionsPath(target)}/${segment(target.version)}/publish`);
      printResult(
        output,
        { version: target.version, status: options.draft ? 'draft' : 'published', builds },
        () =>
          `${options.draft ? 'Uploaded (draft)' : 'Published'} ${options.project} ${target.version} on ${options.channel}\n${formatTable(
            builds.map((b) => ({ ...b, sha256: (b.checksum as { sha256?: string } | undefined)?.sha256 })),
            ['id', 'file_name', 'file_size', 'sha256'],
          )}`,
      );
    });

  release
    .command('yank')
    .description('withdraw a published version (clients on it are offered a way off it)')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel id')
    .requiredOption('--version <semver>', 'version')
    .requiredOption('--reason <text>', 'why it is withdrawn')
    .action(async (options: ReleaseTarget & { reason: string }) => {
      const result = await clientOf().post(`${versionsPath(options)}/${segment(options.version)}/yank`, {
        reason: options.reason,
      });
      printResult(
        outputOf(),
        result,
        () => `Yanked ${options.project} ${options.version} from ${options.channel}\n`,
      );
    });

  release
    .command('promote')
    .description('make a version (with its builds and notes) appear in another channel')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel it is in')
    .requiredOption('--version <semver>', 'version')
    .requiredOption('--to <id>', 'target channel')
    .action(async (options: ReleaseTarget & { to: string }) => {
      const result = await clientOf().post(`${versionsPath(options)}/${segment(options.version)}/promote`, {
        to_channel: options.to,
      });
      printResult(
        outputOf(),
        result,
        () => `Promoted ${options.project} ${options.version} to ${options.to}\n`,
      );
    });
}
