// The small program the launcher (main.cts) starts for `start`, `state` and `kill`: the commands of
// hot-commands.ts, which the whole program (cli.ts) runs as well. Its bundle
// (dist/src/cli/runc-hot.bundle.cjs, scripts/bundle.mjs) holds the store and little else: a tenth
// of the whole one's 263 kB, and under 128 kB, below which V8 reads the text into an ordinary heap
// string (a large-object page of its own costs 3-9 ms more here), with a code cache a third smaller.
import { LIGHT_COMMANDS, runLightCommand } from './hot-commands.js';
import { runcProgram } from './program.js';

runcProgram(LIGHT_COMMANDS, runLightCommand);
