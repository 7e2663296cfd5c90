#!/usr/bin/env node
/**
 * `lunarbit`: the gateway's command line. Admin commands talk to a running gateway over its HTTP
 * API (LUNARBIT_URL, LUNARBIT_KEY); `serve` and `migrate` run the gateway or its migrations here.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerKeyCommands, registerProjectCommands } from './admin-commands.js';
import { CliError, createCliClient } from './cli-client.js';
import { stdoutOutput } from './cli-output.js';
import { registerReleaseCommands } from './release-commands.js';

export function buildProgram(env: Record<string, string | undefined> = process.env): Command {
  const program = new Command('lunarbit')
    // `--version` belongs to `release` commands (the release version), so the CLI's own is -V.
    .version(VERSION, '-V, --cli-version')
    .description('Command line for the LunarBit API Gateway (LUNARBIT_URL, LUNARBIT_KEY)')
    .option('--json', 'print JSON instead of tables')
    .option('--url <url>', 'gateway URL (default: LUNARBIT_URL or http://127.0.0.1:3000)')
    .showHelpAfterError()
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

async function run(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    const exitCode = error instanceof CliError ? error.exitCode : 1;
    process.stderr.write(`lunarbit: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(exitCode);
  }
}

await run();
