// The small program the launcher (main.cts) starts for `delete` (delete-command.ts, which the whole
// program runs as well): the plugin host, tapable and the cgroups plugin, without create's, exec's
// and seccomp's modules, nor the network registry, which its built-in plugins never use: a state
// root whose config lists a plugin (which may) has its deletes run by the whole program. Its bundle
// (dist/src/cli/runc-delete.bundle.cjs) stays under 128 kB, below which V8 reads the text into an
// ordinary heap string (a large-object page of its own costs 2-4 ms more here).
import * as path from 'node:path';
import { readConfigFile } from '../../runtime/config-file.js';
import { resolveRoot } from '../../state-root.js';
import { runDeleteCommand } from './delete-command.js';
import { WHOLE_PROGRAM, runcProgram } from './program.js';

/** Whether the state root's config lists a plugin; a config that cannot be read is the whole program's to report. */
function listsPlugins(): boolean {
  try {
    return readConfigFile(path.join(resolveRoot(undefined), 'config.json')).plugins.length > 0;
  } catch {
    return true;
  }
}

const whole = (globalThis as Record<symbol, unknown>)[WHOLE_PROGRAM] as (() => void) | undefined;
if (whole !== undefined && listsPlugins()) whole();
else runcProgram(new Set(['delete']), (line, _out, warn) => runDeleteCommand(line, warn));
