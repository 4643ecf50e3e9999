// The CLI proper: every command, each loading the one module it needs (program.ts parses with cac,
// prints errors as one line and exits with Docker's codes: 125 when mydocker fails). The only
// place that prints or exits, with ps-cli.ts, the program of `ps` alone; everything below it is
// library code. Started by main.cts, the launcher (from its bundle, dist/src/cli/cli.bundle.cjs,
// when the build made one).
import { defineCommands } from './define-commands.js';
import { runProgram } from './program.js';

runProgram(defineCommands);
