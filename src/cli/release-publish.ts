/**
 * `lunarbit release publish`: the whole output folder of a build tool in one command, resumable.
 *
 * 1. Every file is classified from its name (`release-plan.ts`); a file that is not recognised
 *    stops the publish before anything is sent (exit 2).
 * 2. The version is created as a draft, or an existing draft is resumed. A version that was ever
 *    published is refused: its files may already be on users' machines.
 * 3. Each build is compared with the draft's build of the same id by SHA-256: equal → already
 *    uploaded, different → refused with the way out (delete the draft), missing → uploaded. All of
 *    this is decided before the first upload.
 * 4. Unless `--draft`, the version is published.
 *
 * An interrupted run (a killed process, a dropped connection) leaves a draft with the builds that
 * were complete; running the same command again uploads the rest and publishes.
 */
import fs from 'node:fs';
import { SingleBar } from 'cli-progress';
import type { Architecture, Platform } from '../github/asset-matcher.js';
import { type CliClient, CliError, EXIT, segment, usageError } from './cli-client.js';
import type { Output } from './cli-output.js';
import { multipartFileBody, sha256File } from './multipart-upload.js';
import { type PlannedBuild, planPublish } from './release-plan.js';

export interface PublishOptions {
  project: string;
  channel: string;
  version: string;
  notesFile?: string;
  draft?: boolean;
  minOsVersion?: string;
  defaultArchitectures?: Partial<Record<Platform, Architecture>>;
}

interface DraftBuild {
  id: string;
  file_name: string;
  checksum: { sha256: string };
  signature: string | null;
  min_os_version: string | null;
}

interface AdminVersion {
  id: string;
  status: 'draft' | 'published' | 'yanked';
  release_notes: string;
  builds: DraftBuild[];
}

interface BuildOutcome {
  id: string;
  file: string;
  platform: string;
  architecture: string;
  sha256: string;
  signed: boolean;
  result: 'uploaded' | 'already uploaded';
}

const MAX_SIGNATURE = 10_000;

export const versionsPath = (t: { project: string; channel: string }) =>
  `/admin/projects/${segment(t.project)}/channels/${segment(t.channel)}/versions`;

function readLocal(files: readonly string[]) {
  const missing = files.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) throw usageError(`No such file: ${missing.join(', ')}`, { missing });
  return files.map((file) => ({ file, isDirectory: fs.statSync(file).isDirectory() }));
}

function readSignature(file: string): string {
  const text = fs.readFileSync(file, 'utf8').trim();
  if (text === '' || text.length > MAX_SIGNATURE) {
    throw usageError(
      `${file} is not an updater signature (empty, or longer than ${MAX_SIGNATURE} characters)`,
    );
  }
  return text;
}

async function findVersion(client: CliClient, options: PublishOptions): Promise<AdminVersion | undefined> {
  try {
    return await client.get<AdminVersion>(`${versionsPath(options)}/${segment(options.version)}`);
  } catch (error) {
    if (error instanceof CliError && error.info.code === 'VERSION_NOT_FOUND') return undefined;
    throw error;
  }
}

/** The draft to upload into: created now, or the one an earlier run left. */
async function openDraft(client: CliClient, options: PublishOptions, notes: string | undefined) {
  let version = await findVersion(client, options);
  let created = false;
  if (version === undefined) {
    try {
      version = await client.post<AdminVersion>(versionsPath(options), {
        version: options.version,
        ...(notes !== undefined ? { release_notes: notes } : {}),
        status: 'draft',
      });
      created = true;
    } catch (error) {
      // Another run created it in between: resume that one.
      if (!(error instanceof CliError && error.info.code === 'CONFLICT')) throw error;
      version = (await findVersion(client, options))!;
    }
  }
  const where = `${options.project} ${version.id} on ${options.channel}`;
  if (version.status !== 'draft') {
    throw new CliError(
      version.status === 'published'
        ? `${where} is already published; nothing was uploaded. Publish the files as a new version.`
        : `${where} was published and is now yanked; a version that was published is never filled again. Publish the files as a new version.`,
      EXIT.refused,
      { code: 'VERSION_NOT_DRAFT', details: { version: version.id, status: version.status } },
    );
  }
  if (!created && notes !== undefined && notes !== version.release_notes) {
    await client.patch(`${versionsPath(options)}/${segment(version.id)}`, { release_notes: notes });
  }
  return { version, created };
}

/** Why the draft's build cannot stand for the local file, or undefined when it can. */
function mismatch(
  existing: DraftBuild,
  sha256: string,
  signature: string | undefined,
  minOs: string | undefined,
) {
  if (existing.checksum.sha256 !== sha256) {
    return `holds another file (sha256 ${existing.checksum.sha256.slice(0, 12)}…, the local file's is ${sha256.slice(0, 12)}…)`;
  }
  if (signature !== undefined && existing.signature !== signature) return 'has another signature';
  if (minOs !== undefined && existing.min_os_version !== minOs) {
    return `has min_os_version ${existing.min_os_version ?? 'unset'}, not ${minOs}`;
  }
  return undefined;
}

async function uploadBuild(
  client: CliClient,
  url: string,
  build: PlannedBuild,
  fields: Record<string, string>,
  output: Output,
) {
  const size = fs.statSync(build.file).size;
  const bar =
    output.json || !process.stderr.isTTY
      ? undefined
      : new SingleBar({ format: `${build.name} [{bar}] {percentage}% {value}/{total} bytes` });
  bar?.start(size, 0);
  const upload = multipartFileBody(fields, build.file, (sent) => bar?.update(sent));
  try {
    await client.upload(url, upload.body, upload.contentType, upload.length);
  } finally {
    bar?.stop();
  }
}

function architectureNote(build: PlannedBuild): string {
  if (build.architectureSource === 'named') return '';
  if (build.architectureSource === 'option')
    return ` (architecture from --default-arch: ${build.architecture})`;
  return ` (architecture not in the name: taken as ${build.architecture}; --default-arch ${build.platform}=… to change)`;
}

export async function publishRelease(
  client: CliClient,
  output: Output,
  files: readonly string[],
  options: PublishOptions,
): Promise<void> {
  const say = (line: string) => {
    if (!output.json) output.write(`${line}\n`);
  };
  const entries = readLocal(files);
  const planOptions = { defaultArchitectures: options.defaultArchitectures };
  const firstPlan = planPublish(entries, planOptions);
  if (firstPlan.problems.length > 0)
    throw usageError(firstPlan.problems.join('\n'), { files: firstPlan.problems });
  if (firstPlan.builds.length === 0) throw usageError('None of the files is a build; nothing to publish');
  if (options.notesFile !== undefined && !fs.existsSync(options.notesFile)) {
    throw usageError(`No such file: ${options.notesFile} (--notes-file)`);
  }
  const notes = options.notesFile === undefined ? undefined : fs.readFileSync(options.notesFile, 'utf8');

  const { version, created } = await openDraft(client, options, notes);
  const target = { ...options, version: version.id };
  const where = `${options.project} ${version.id} on ${options.channel}`;
  say(created ? `Created draft ${where}` : `Resuming draft ${where} (${version.builds.length} builds there)`);
  // Ids as a full run gives them, also when this run passes only some of the files.
  const plan = planPublish(entries, {
    ...planOptions,
    existingFileNames: version.builds.map((b) => b.file_name),
  });
  for (const skipped of plan.skipped) say(`skipped           ${skipped.file}: ${skipped.reason}`);

  const decided: {
    build: PlannedBuild;
    sha256: string;
    fields: Record<string, string>;
    /** The draft's build that already holds this file. */
    present: DraftBuild | undefined;
  }[] = [];
  const conflicts: { file: string; build: string; problem: string }[] = [];
  for (const build of plan.builds) {
    const sha256 = await sha256File(build.file);
    const signature = build.signatureFile === undefined ? undefined : readSignature(build.signatureFile);
    const minOs = build.platform === 'macos' ? options.minOsVersion : undefined;
    const existing =
      version.builds.find((b) => b.id === build.id) ??
      version.builds.find((b) => b.file_name === build.name && b.checksum.sha256 === sha256);
    const problem = existing && mismatch(existing, sha256, signature, minOs);
    if (problem !== undefined) conflicts.push({ file: build.file, build: existing!.id, problem });
    const fields: Record<string, string> = {
      id: build.id,
      platform: build.platform,
      architecture: build.architecture,
      file_name: build.name,
      sha256,
      ...(signature !== undefined ? { signature } : {}),
      ...(minOs !== undefined ? { min_os_version: minOs } : {}),
    };
    decided.push({ build, sha256, fields, present: existing });
  }
  if (conflicts.length > 0) {
    throw new CliError(
      `${conflicts.map((c) => `Build '${c.build}' of draft ${where} ${c.problem}: ${c.file}`).join('\n')}\nNothing was uploaded. If the local files are the right ones, delete the draft and publish again:\n  lunarbit release delete --project ${options.project} --channel ${options.channel} --version ${version.id}`,
      EXIT.refused,
      { code: 'DRAFT_MISMATCH', details: { conflicts } },
    );
  }

  const buildsUrl = `${versionsPath(target)}/${segment(version.id)}/builds`;
  const outcomes: BuildOutcome[] = [];
  for (const { build, sha256, fields, present } of decided) {
    if (present === undefined) await uploadBuild(client, buildsUrl, build, fields, output);
    const result = present ? 'already uploaded' : 'uploaded';
    const id = present?.id ?? build.id;
    say(`${result.padEnd(17)} ${id.padEnd(24)} ${build.file}${present ? '' : architectureNote(build)}`);
    outcomes.push({
      id,
      file: build.file,
      platform: build.platform,
      architecture: build.architecture,
      sha256,
      signed: fields.signature !== undefined,
      result,
    });
  }
  if (!options.draft) await client.post(`${versionsPath(target)}/${segment(version.id)}/publish`);
  const uploaded = outcomes.filter((o) => o.result === 'uploaded').length;
  say(
    `${options.draft ? 'Left as a draft' : 'Published'} ${where}: ${outcomes.length} builds (${uploaded} uploaded now, ${outcomes.length - uploaded} already there), ${plan.skipped.length} files skipped`,
  );
  if (output.json) {
    output.write(
      `${JSON.stringify(
        {
          project: options.project,
          channel: options.channel,
          version: version.id,
          status: options.draft ? 'draft' : 'published',
          resumed: !created,
          builds: outcomes,
          skipped: plan.skipped,
        },
        null,
        2,
      )}\n`,
    );
  }
}

/** `--default-arch arm64` (every platform) or `--default-arch macos=universal,windows=x64`. */
export function parseDefaultArchitectures(
  value: string,
  platforms: readonly string[],
  architectures: readonly string[],
): Partial<Record<Platform, Architecture>> {
  const result: Partial<Record<Platform, Architecture>> = {};
  for (const part of value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [platform, architecture] = part.includes('=') ? part.split('=', 2) : [undefined, part];
    if (!architectures.includes(architecture!)) {
      throw usageError(`--default-arch: '${architecture}' is not one of ${architectures.join(', ')}`);
    }
    if (platform !== undefined && !platforms.includes(platform)) {
      throw usageError(`--default-arch: '${platform}' is not one of ${platforms.join(', ')}`);
    }
    for (const p of platform === undefined ? platforms : [platform]) {
      result[p as Platform] = architecture as Architecture;
    }
  }
  return result;
}
