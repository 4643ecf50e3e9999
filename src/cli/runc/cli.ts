// The `mydocker-runc` program: runc's command line (args.ts) over mydocker's OCI runtime (src/oci/),
// for containerd's runc shim, CRI and the runtime-tools suite; started by main.cts, the executable,
// for every command but those the hot program (hot-cli.ts) answers.
import { runCommand } from './commands.js';
import { runcMain } from './program.js';

void runcMain(process.argv.slice(2), runCommand);
