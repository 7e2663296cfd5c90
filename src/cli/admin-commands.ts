import type { Command } from 'commander';
import { PERMISSIONS } from '../keys/permissions.js';
import { type CliClient, segment, usageError } from './cli-client.js';
import { formatRecord, formatTable, type Output, printResult } from './cli-output.js';

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

function permissionsOf(names: string[]): Record<string, boolean> {
  const unknown = names.filter((name) => !(PERMISSIONS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw usageError(`Unknown permission(s): ${unknown.join(', ')}. Known: ${PERMISSIONS.join(', ')}`);
  }
  return Object.fromEntries(names.map((name) => [name, true]));
}

/** `stable, beta (includes stable)`: channel objects as a reader wants to see them. */
function channelList(channels: unknown): string {
  const list = (channels ?? []) as { id: string; includes?: string[] }[];
  return list
    .map((channel) =>
      channel.includes && channel.includes.length > 0
        ? `${channel.id} (includes ${channel.includes.join(', ')})`
        : channel.id,
    )
    .join(', ');
}

const KEY_COLUMNS = ['name', 'key', 'status', 'rateLimit', 'allowedProjects', 'expiresAt', 'lastUsedAt'];

export function registerKeyCommands(program: Command, clientOf: () => CliClient, outputOf: () => Output) {
  const keys = program.command('keys').description('manage API keys');

  keys
    .command('create')
    .argument('<name>', 'a unique name')
    .option('--permissions <list>', `comma-separated: ${PERMISSIONS.join(', ')}`, '')
    .option('--description <text>', 'what the key is for')
    .option('--rate-limit <n>', 'requests per 15 minutes', (v) => Number.parseInt(v, 10))
    .option('--expires-in <duration>', 'e.g. 90d, 12h, 1y')
    .option('--projects <list>', 'restrict to these project ids')
    .option('--tags <list>', 'comma-separated tags')
    .description('create a key (the full key is printed once)')
    .action(async (name: string, options: Record<string, string | number | undefined>) => {
      const body = {
        name,
        permissions: permissionsOf(list(String(options.permissions ?? ''))),
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
        ...(options.expiresIn !== undefined ? { expiresIn: options.expiresIn } : {}),
        ...(options.projects !== undefined ? { allowedProjects: list(String(options.projects)) } : {}),
        ...(options.tags !== undefined ? { tags: list(String(options.tags)) } : {}),
      };
      const created = await clientOf().post<Record<string, unknown>>('/admin/keys', body);
      printResult(
        outputOf(),
        created,
        () => `${formatRecord(created, ['name', 'key', 'expiresAt'])}${created.warning}\n`,
      );
    });

  keys
    .command('list')
    .description('list keys (masked)')
    .option('--all', 'include revoked keys')
    .action(async (options: { all?: boolean }) => {
      const result = await clientOf().get<{ keys: Record<string, unknown>[] }>(
        `/admin/keys${options.all ? '?include_revoked=true' : ''}`,
      );
      printResult(outputOf(), result, () => formatTable(result.keys, KEY_COLUMNS));
    });

  keys
    .command('show')
    .argument('<name>')
    .description('show one key (masked)')
    .action(async (name: string) => {
      const key = await clientOf().get<Record<string, unknown>>(`/admin/keys/${segment(name)}`);
      printResult(outputOf(), key, () =>
        formatRecord(key, [...KEY_COLUMNS, 'permissions', 'tags', 'createdBy']),
      );
    });

  keys
    .command('revoke')
    .argument('<name>')
    .description('revoke a key at once')
    .action(async (name: string) => {
      await clientOf().delete(`/admin/keys/${segment(name)}`);
      printResult(outputOf(), { revoked: name }, () => `Revoked ${name}\n`);
    });

  keys
    .command('rotate')
    .argument('<name>')
    .option('--grace <duration>', 'how long the old secret keeps working, e.g. 24h')
    .description('issue a new secret for a key (printed once)')
    .action(async (name: string, options: { grace?: string }) => {
      const rotated = await clientOf().post<Record<string, unknown>>(
        `/admin/keys/${segment(name)}/rotate`,
        options.grace ? { gracePeriod: options.grace } : {},
      );
      printResult(outputOf(), rotated, () => formatRecord(rotated, ['name', 'key', 'previousKeyValidUntil']));
    });
}

export function registerProjectCommands(program: Command, clientOf: () => CliClient, outputOf: () => Output) {
  const projects = program.command('projects').description('manage projects');

  projects
    .command('create')
    .argument('<id>', 'a slug, e.g. trackly')
    .requiredOption('--name <name>', 'display name')
    .option('--description <text>')
    .option('--repository <owner/name>', 'GitHub repository to sync from')
    .option('--homepage <url>')
    .description('create a project (with stable and beta channels)')
    .action(async (id: string, options: Record<string, string | undefined>) => {
      const created = await clientOf().post<Record<string, unknown>>('/admin/projects', {
        id,
        name: options.name,
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(options.repository !== undefined ? { repository: options.repository } : {}),
        ...(options.homepage !== undefined ? { homepage: options.homepage } : {}),
      });
      printResult(outputOf(), created, () =>
        formatRecord({ ...created, channels: channelList(created.channels) }, [
          'id',
          'name',
          'repository',
          'channels',
        ]),
      );
    });

  projects
    .command('list')
    .description('list projects')
    .action(async () => {
      const result = await clientOf().get<{ projects: Record<string, unknown>[] }>('/projects?per_page=100');
      printResult(outputOf(), result, () =>
        formatTable(result.projects, ['id', 'name', 'repository', 'channels', 'updated_at']),
      );
    });

  projects
    .command('show')
    .argument('<id>')
    .description('show a project with its channels and latest version')
    .action(async (id: string) => {
      const project = await clientOf().get<Record<string, unknown>>(`/projects/${segment(id)}`);
      printResult(outputOf(), project, () =>
        formatRecord({ ...project, channels: channelList(project.channels) }, [
          'id',
          'name',
          'description',
          'repository',
          'homepage',
          'channels',
          'latest_version',
          'total_downloads',
        ]),
      );
    });

  program
    .command('sync')
    .argument('<project>', 'project id')
    .description('synchronise a project from its GitHub releases')
    .action(async (project: string) => {
      const report = await clientOf().post<Record<string, unknown>>(
        `/admin/projects/${segment(project)}/sync`,
      );
      printResult(outputOf(), report, () => `${JSON.stringify(report, null, 2)}\n`);
    });
}
