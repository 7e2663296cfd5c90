#!/usr/bin/env node
/**
 * `lunarbit`: the gateway's command line. Admin commands talk to a running gateway over its HTTP
 * API (LUNARBIT_URL, LUNARBIT_KEY); `serve` and `migrate` run the gateway or its migrations here.
 *
 * Exit codes: 0 success, 1 the gateway refused (or the release's state does not allow it), 2 bad
 * usage (commander's own parse errors included), 3 gateway unreachable. With `--json`, errors are
 * one `{"error":{…}}` line on stderr.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerKeyCommands, registerProjectCommands } from './admin-commands.js';
import { CliError, createCliClient, EXIT } from './cli-client.js';
import { stdoutOutput } from './cli-output.js';
import { registerReleaseCommands } from './release-commands.js';

/**
 * Whether errors are printed as JSON: read from the raw arguments, because commander may fail
 * before it has parsed `--json` (an unknown option earlier on the line, a missing argument).
 */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

export function buildProgram(
  env: Record<string, string | undefined> = process.env,
  json = wantsJson(process.argv),
): Command {
  const program = new Command('lunarbit')
    // `--version` belongs to `release` commands (the release version), so the CLI's own is -V.
    .version(VERSION, '-V, --cli-version')
    .description('Command line for the LunarBit API Gateway (LUNARBIT_URL, LUNARBIT_KEY)')
    .option('--json', 'print JSON instead of tables (and errors as JSON on stderr)')
    .option('--url <url>', 'gateway URL (default: LUNARBIT_URL or http://127.0.0.1:3000)')
    .showHelpAfterError(!json)
    // In JSON mode commander's own messages are replaced by the JSON error `run` prints.
    .configureOutput(json ? { outputError: () => {}, writeErr: () => {} } : {})
    .exitOverride();
  const clientOf = () =>
    createCliClient({
      baseUrl: (program.opts().url as string | undefined) ?? env.LUNARBIT_URL ?? 'http://127.0.0.1:3000',
      key: env.LUNARBIT_KEY,
    });
  const outputOf = () => stdoutOutput(program.opts().json === true);

  registerKeyCommands(program, clientOf, outputOf);
  registerProjectCommands(program, clientOf, outputOf);
  registerReleaseCommands(program, clientOf, outputOf);

  program
    .command('migrate')
    .description('apply pending database migrations (uses the gateway configuration variables)')
    .action(async () => {
      await import('../db/migrate-cli.js');
    });
  program
    .command('serve')
    .description('run the gateway (same as npm start)')
    .action(async () => {
      await import('../main.js');
    });
  return program;
}

/** Any failure as a `CliError`: commander's parse errors are usage errors (exit 2). */
function asCliError(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof CommanderError) {
    return new CliError(error.message.replace(/^error: /, ''), EXIT.usage, {
      code: 'USAGE_ERROR',
      details: { reason: error.code },
    });
  }
  return new CliError(error instanceof Error ? error.message : String(error));
}

async function run(): Promise<void> {
  const json = wantsJson(process.argv);
  try {
    await buildProgram(process.env, json).parseAsync(process.argv);
  } catch (error) {
    // --help, --cli-version and `help` end through the same path, successfully.
    if (error instanceof CommanderError && error.exitCode === 0) process.exit(0);
    const failure = asCliError(error);
    // Commander has printed its own message (and the help) already, unless in JSON mode.
    if (json) process.stderr.write(`${JSON.stringify(failure.toJSON())}\n`);
    else if (!(error instanceof CommanderError)) process.stderr.write(`lunarbit: ${failure.describe()}\n`);
    process.exitCode = failure.exitCode;
  }
}

await run();
