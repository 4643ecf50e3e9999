// A container's STATUS cell as Docker prints it (`ps`, `system df -v`): `Up 2 minutes (healthy)`, `Up 5 seconds (Paused)`,
// `Exited (3) 5 seconds ago`, `Restarting (1) ...`, `Created`, `Dead`.
import type { ContainerSummary } from '../runtime/summaries.js';
import { ago, humanDuration } from './format.js';

/** Docker's suffix of a running container's status: ` (health: starting)`, ` (healthy)`, ` (unhealthy)`. */
function healthText(c: ContainerSummary): string {
  if (c.health === null) return '';
  return c.health === 'starting' ? ' (health: starting)' : ` (${c.health})`;
}

export function statusText(c: ContainerSummary): string {
  // Docker's word for a container that is neither running nor cleanly stopped; `inspect` says why.
  if (c.status === 'dead') return 'Dead';
  if (c.status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(c.startedAt ?? c.created))}${healthText(c)}`;
  if (c.status === 'paused') return `Up ${humanDuration(Date.now() - Date.parse(c.startedAt ?? c.created))} (Paused)`;
  if (c.status === 'created') return 'Created';
  if (c.status === 'restarting') return `Restarting (${c.exitCode ?? ''}) ${c.finishedAt ? ago(c.finishedAt) : ''}`.trimEnd();
  const code = c.exitCode === null ? '' : ` (${c.exitCode})`;
  return c.finishedAt ? `Exited${code} ${ago(c.finishedAt)}` : `Exited${code}`;
}
