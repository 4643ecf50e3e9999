// An audit plugin: one JSON line per hook call (which hook, which container, when, in which
// process) appended to a log, for every hook mydocker has: a run's setup and teardown, `rm`'s
// teardown, `exec`'s enterNamespace.
//
//   MYDOCKER_AUDIT_LOG=/var/log/mydocker-audit.jsonl mydocker run --plugin examples/audit.ts busybox true
//
// Without MYDOCKER_AUDIT_LOG the log is <state root>/audit.jsonl. The variable is read by every
// process that loads the plugin (`rm` and a detached container's `cleanup` run teardowns too).
// Lines are written with one append each, so concurrent processes never interleave half lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HOOK_NAMES, definePlugin, type CheckOptionsContext, type HookContextBase, type HookName } from 'mydocker/hooks';

/** One line of the log. `id` and `name` are null for checkOptions: no container exists yet. */
export interface AuditLine {
  hook: HookName;
  id: string | null;
  name: string | null;
  time: string;
  pid: number;
}

/** Every hook's context is one of these two; only checkOptions's has no container. */
type AnyContext = HookContextBase | CheckOptionsContext;

/**
 * What the loop below needs of a hook: `tap` with a synchronous function. Sync hooks and
 * async-series hooks both take one (an async-series hook awaits nothing from it), so a single
 * synchronous tap serves every hook, whatever its kind.
 */
interface Tappable {
  tap(name: string, fn: (ctx: AnyContext) => void): void;
}

export default definePlugin({
  name: 'audit',
  apply(api) {
    const log = process.env.MYDOCKER_AUDIT_LOG || path.join(api.root, 'audit.jsonl');
    for (const hook of HOOK_NAMES) {
      const tappable: Tappable = api.hooks[hook];
      tappable.tap('audit', (ctx) => {
        const container = 'container' in ctx ? ctx.container : null;
        const line: AuditLine = { hook, id: container?.id ?? null, name: container?.name ?? null, time: new Date().toISOString(), pid: process.pid };
        // Synchronous, and a throw would fail the hook: the audit must never stop a container.
        try {
          fs.appendFileSync(log, `${JSON.stringify(line)}\n`, { mode: 0o600 });
        } catch (error) {
          process.emitWarning(`audit: cannot write ${log}: ${(error as Error).message}`);
        }
      });
    }
  },
});
