// The small program the launcher (main.cts) starts for `delete` (delete-command.ts, which the whole
// program runs as well): the plugin host, tapable and the cgroups plugin, without create's, exec's
// and seccomp's modules. Its bundle (dist/src/cli/runc-delete.bundle.cjs) is about half of the whole one.
import { runDeleteCommand } from './delete-command.js';
import { runcProgram } from './program.js';

runcProgram(new Set(['delete']), (line, _out, warn) => runDeleteCommand(line, warn));
