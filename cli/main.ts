#!/usr/bin/env node
/**
 * `knative-file-pipeline <command>` (package.json `bin`): upload files to the pipeline and read
 * their status. Exit codes: 0 ok, 1 a file failed, 2 a usage error.
 */
import { parseCommand, UsageError, type Command } from './args.js';
import { HELP } from './help.js';
import { runStatus } from './status-command.js';
import { runUpload } from './upload-command.js';

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const topic = argv[0] === 'upload' || argv[0] === 'status' ? argv[0] : 'main';
    process.stderr.write(`knative-file-pipeline: ${error.message}\n\n${HELP[topic]}`);
    return 2;
  }
  switch (command.name) {
    case 'help':
      process.stdout.write(HELP[command.topic]);
      return 0;
    case 'upload':
      return runUpload(command.options, { env, stdout: process.stdout, stderr: process.stderr });
    case 'status':
      return runStatus(command.options, { stdout: process.stdout, stderr: process.stderr });
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`knative-file-pipeline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
