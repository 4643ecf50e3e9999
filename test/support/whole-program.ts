// The CLI with every command built whatever the command line names, as it was before program.ts
// built the named one alone: what test/unit/one-command-program.test.ts compares the CLI with.
import { defineCommands } from '../../src/cli/define-commands.js';
import { runProgram } from '../../src/cli/program.js';

runProgram(defineCommands, { buildAll: true });
