// The end of a container's run, one sequence wherever it is seen: record how it ended, release what
// its setup made (release.ts), remove it when asked. Runs in the foreground `run` when its PID 1
// exits, in `mydocker cleanup` (which a detached container's shim runs when its PID 1 ends), in
// `run` and `start` undoing a start that failed, and in `rm`.
import type { ContainerRecord } from '../container/record.js';
import { lockContainer } from '../container/lock.js';
import { readExitFile } from '../container/exit-file.js';
import { isStateFileError } from '../../hooks/state-file.js';
import { deriveStatus } from '../container/status.js';
import { MydockerError, describe } from '../errors.js';
import { releaseContainer, type ReleaseDeps, type ReleaseStep } from './release.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { eventAttributes, recordEvent } from './events.js';

export interface EndOptions {
  /** The end to record (status "exited", code, time), saved before the release. Absent: the state is left as it is. */
  exit?: { code: number | null; at: string | null };
  /** Remove the container: its layer, then its record and name. */
  remove: boolean;
  /** With remove: its anonymous volumes too. */
  removeVolumes: boolean;
  /** Undo only these setup steps, in this order (a start that failed half-way); default all. */
  steps?: readonly ReleaseStep[];
  /**
   * With remove: delete the record even when a release step failed. By default it is kept, with the
   * teardowns' progress, so that `rm` can run them again.
   */
  removeDespiteFailures?: boolean;
}

/**
 * Records the end, releases the container and removes it, as asked. The caller holds the
 * container's lock (or owns a record no other process acts on yet: a `run` still starting it) and
 * has read the record under it. Returns what failed while releasing; the caller words the error.
 */
export async function endLocked(deps: ReleaseDeps, record: ContainerRecord, options: EndOptions): Promise<Error[]> {
  const failures: Error[] = [];
  // A record deleted whatever the release does (a foreground --rm run's) is not written first:
  // only a crash in between could show it, and then its status is derived (its process is gone)
  // and `rm -f` removes it all the same. A write less on every `run --rm`.
  const deletedAnyway = options.remove && options.removeDespiteFailures === true;
  if (options.exit) {
    record.state.status = 'exited';
    record.state.exitCode = options.exit.code;
    record.state.finishedAt = options.exit.at;
  }
  if (options.exit && !deletedAnyway) {
    try {
      deps.containers.save(record);
    } catch (error) {
      // A full disk must not keep the container's mounts, cgroups and address: release all the
      // same. The status is derived from the process table, the code from the shim's exit file.
      failures.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  if (options.exit) recordEvent(deps.root.dir, 'die', record.id, eventAttributes(record, { exitCode: String(options.exit.code ?? -1) }));
  failures.push(...(await releaseContainer(deps, record, { remove: options.remove, removeVolumes: options.removeVolumes, steps: options.steps })));
  if (options.remove && (failures.length === 0 || options.removeDespiteFailures)) {
    stopPoint('rm:released');
    deps.containers.delete(record);
    recordEvent(deps.root.dir, 'destroy', record.id, eventAttributes(record));
  }
  return failures;
}

/** The shim's exit file, or null when it is missing or unreadable (the end is recorded with no code). */
function exitFileOrNull(file: string): { code: number; at: string } | null {
  try {
    return readExitFile(file);
  } catch (error) {
    if (isStateFileError(error)) return null;
    throw error;
  }
}

/** How a container's run ended, told by whoever saw it end. */
export type Ending =
  /** The foreground `run` saw its PID 1 (this pid, with this start time) exit with `code`. */
  | { by: 'run'; pid: number | null; pidStartTime: number | null; code: number }
  /** A detached container's shim saw its PID 1 end, and wrote the code into its exit file. */
  | { by: 'shim' };

/**
 * Ends a container's run under its lock: records the end, releases the container, and removes it
 * with autoRemove (--rm). Throws when releasing failed. Nothing to do when the container is gone
 * (`rm -f` from another process did it all), or no longer the run that ended: the record's PID 1 is
 * another one (`start` ran it again since; that run owns it now), or, for the shim, still running.
 * Safe to run twice: a recorded end is not recorded again, and the teardowns are idempotent.
 */
export async function endContainer(deps: ReleaseDeps, id: string, ending: Ending): Promise<void> {
  await lockContainer(deps.kernel, deps.containers, id, async () => {
    // `rm -f` from another process may have removed it already, teardown included.
    if (!deps.containers.exists(id)) return;
    const record = deps.containers.load(id);
    let exit: EndOptions['exit'];
    if (ending.by === 'run') {
      // `start` may have run it again since: then that run owns it.
      if (record.state.pid !== ending.pid || record.state.pidStartTime !== ending.pidStartTime) return;
      exit = { code: ending.code, at: new Date().toISOString() };
    } else {
      if (deriveStatus(record) === 'running') return;
      if (record.state.status !== 'exited') {
        const file = record.detached ? exitFileOrNull(record.detached.exitFile) : null;
        exit = { code: file?.code ?? null, at: file?.at ?? new Date().toISOString() };
      }
    }
    const failures = await endLocked(deps, record, {
      exit,
      remove: record.autoRemove,
      removeVolumes: record.autoRemove,
      // The foreground run has always removed an --rm container's record, released or not.
      removeDespiteFailures: ending.by === 'run',
    });
    if (failures.length === 0) return;
    const reasons = failures.map(describe).join('; ');
    throw new MydockerError(
      ending.by === 'run' ? `container ${record.name} exited with ${ending.code}, but releasing it failed: ${reasons}` : `releasing container ${record.name} failed: ${reasons}`,
    );
  });
}
