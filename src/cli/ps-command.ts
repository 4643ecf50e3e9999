// `ps` as cac knows it: its flags, help text and module. Defined once for both programs that hold
// it, the full CLI (cli.ts) and the small one the launcher starts for `ps` (ps-cli.ts), so that
// their help, flags and errors cannot drift apart.
import type { CAC } from 'cac';
import type { Bind } from './program.js';

export function definePs(cli: CAC, on: Bind): void {
  const ps = cli
    .command('ps', 'List containers')
    .option('-a, --all', 'Show all containers (default: running only)')
    .option('-q, --quiet', 'Only IDs')
    .option('-f, --filter <key=value>', 'Only containers that match: id, name, status, exited, label, ancestor, health, publish (repeatable)', { type: [String] })
    .option('--format <format>', 'table (default), json (one object per line), or a Go template: table {{.ID}}\\t{{.Names}}', { type: [String] })
    .example("mydocker ps -a --filter status=exited --format '{{.ID}} {{.Status}}'");
  on(ps, () => import('./commands/ps.js'));
}
