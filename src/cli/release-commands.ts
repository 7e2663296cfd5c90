import type { Command } from 'commander';
import { ARCHITECTURES, PLATFORMS } from '../catalog/catalog-targets.js';
import { type CliClient, segment, usageError } from './cli-client.js';
import { formatRecord, formatTable, type Output, printResult } from './cli-output.js';
import { parseDefaultArchitectures, publishRelease, versionsPath } from './release-publish.js';

interface ReleaseTarget {
  project: string;
  channel: string;
  version: string;
}

const OS_VERSION = /^[0-9]+(\.[0-9]+){0,3}$/;

export function registerReleaseCommands(program: Command, clientOf: () => CliClient, outputOf: () => Output) {
  const release = program.command('release').description('publish, list, yank, promote and delete versions');

  release
    .command('publish')
    .description(
      'create a version as a draft, upload its builds and publish it; the whole output folder of electron-builder or `tauri build` may be given (`.sig` files sign their build; blockmaps, latest*.yml, RELEASES and build logs are skipped). Running it again for a draft uploads only what is missing, then publishes.',
    )
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel id')
    .requiredOption('--version <semver>', 'version to create or resume')
    .option('--notes-file <file>', 'release notes (Markdown)')
    .option('--min-os-version <version>', 'lowest macOS version the macOS builds run on, e.g. 12.0')
    .option(
      '--default-arch <arch>',
      `architecture of files whose name does not say it: one of ${ARCHITECTURES.join(', ')} for every platform, or per platform (macos=universal,windows=x64). Default: windows and linux x64, macos universal (x64 next to a named arm64 file of the same format)`,
    )
    .option('--draft', 'upload but leave the version unpublished')
    .argument(
      '<files...>',
      'build files and their companions; platform and architecture come from their names',
    )
    .action(
      async (
        files: string[],
        options: ReleaseTarget & {
          notesFile?: string;
          draft?: boolean;
          minOsVersion?: string;
          defaultArch?: string;
        },
      ) => {
        if (options.minOsVersion !== undefined && !OS_VERSION.test(options.minOsVersion)) {
          throw usageError(
            `--min-os-version must be a dotted version such as 12.0, not '${options.minOsVersion}'`,
          );
        }
        await publishRelease(clientOf(), outputOf(), files, {
          ...options,
          defaultArchitectures:
            options.defaultArch === undefined
              ? undefined
              : parseDefaultArchitectures(options.defaultArch, PLATFORMS, ARCHITECTURES),
        });
      },
    );

  release
    .command('list')
    .description('list the versions of a channel in every state (drafts and yanked ones included)')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel id')
    .option('--status <status>', 'only draft, published or yanked versions')
    .action(async (options: Omit<ReleaseTarget, 'version'> & { status?: string }) => {
      const query = `?per_page=100${options.status ? `&status=${segment(options.status)}` : ''}`;
      const result = await clientOf().get<{ versions: Record<string, unknown>[] }>(
        `${versionsPath(options)}${query}`,
      );
      printResult(outputOf(), result, () =>
        formatTable(result.versions, [
          'id',
          'status',
          'build_count',
          'published_at',
          'yanked_at',
          'yank_reason',
        ]),
      );
    });

  release
    .command('show')
    .description('show a version in any state with its builds (verification status, stored or hosted)')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel id')
    .requiredOption('--version <semver>', 'version')
    .action(async (options: ReleaseTarget) => {
      const version = await clientOf().get<Record<string, unknown>>(
        `${versionsPath(options)}/${segment(options.version)}`,
      );
      printResult(outputOf(), version, () => {
        const builds = (version.builds as Record<string, unknown>[]).map((build) => ({
          ...build,
          sha256: (build.checksum as { sha256?: string }).sha256,
          signed: build.signature !== null,
        }));
        return `${formatRecord(version, ['id', 'channel', 'status', 'published_at', 'yanked_at', 'yank_reason'])}\n${formatTable(
          builds,
          ['id', 'file_name', 'file_size', 'status', 'stored', 'signed', 'sha256'],
        )}`;
      });
    });

  release
    .command('delete')
    .description('delete a version that was never published (a draft), with its uploaded files')
    .requiredOption('--project <id>', 'project id')
    .requiredOption('--channel <id>', 'channel id')
    .requiredOption('--version <semver>', 'version')
    .action(async (options: ReleaseTarget) => {
      await clientOf().delete(`${versionsPath(options)}/${segment(options.version)}`);
      printResult(
        outputOf(),
        { deleted: options.version },
        () => `Deleted draft ${options.project} ${options.version} from ${options.channel}\n`,
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
