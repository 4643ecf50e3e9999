// The small program the launcher (main.cts) starts for `create` (create-command.ts, which the whole
// program runs as well): the launch, the plugin host and the cgroups plugin, without exec's, list's,
// update's, pause's and the spec's modules: a sixth less of the whole bundle to read and
// deserialise on every container's first call.
import { runCreateCommand } from './create-command.js';
import { runcProgram } from './program.js';

runcProgram(new Set(['create']), (line) => runCreateCommand(line));
