// `mydocker-runc start`: sends the launch message `create` saved into the waiting first process's go
// pipe, reopened through /proc/<pid>/fd/3 (the init holds a write end of its own, so the pipe
// outlived `create`). The init then takes its setup steps, confines itself and execs the program;
// then the config's poststart hooks run.
import * as fs from 'node:fs';
import { MydockerError } from '../errors.js';
import { processStartTime } from '../container/proc-stat.js';
import { GO_FD } from '../process/first-process.js';
import { writeAll } from '../process/inside.js';
import { statusNow, type OciStore } from './store.js';
import { runOciHooksReporting } from './oci-hooks.js';
import { stateDocument } from './state.js';

/** Returns what failed of the poststart hooks (the container runs all the same: warnings). */
export async function startContainer(store: OciStore, id: string): Promise<string[]> {
  const container = store.get(id);
  const status = statusNow(container);
  if (status === 'stopped') throw new MydockerError('cannot start a container that has stopped', { exitCode: 1 });
  if (status !== 'created') throw new MydockerError(`cannot start a container in the ${status} state`, { exitCode: 1 });
  const message = store.readLaunch(id);
  let fd: number;
  try {
    fd = fs.openSync(`/proc/${container.pid}/fd/${GO_FD}`, fs.constants.O_WRONLY);
  } catch (error) {
    throw new MydockerError(`cannot reach the container's first process: ${(error as NodeJS.ErrnoException).code ?? error}`, { exitCode: 1 });
  }
  try {
    // Opened by pid: make sure it is still the same process (a pid recycled meanwhile is not ours).
    if (processStartTime(container.pid!) !== container.pidStartTime) throw new MydockerError('cannot start a container that has stopped', { exitCode: 1 });
    writeAll(fd, message);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') throw new MydockerError('cannot start a container that has stopped', { exitCode: 1 });
    throw error;
  } finally {
    fs.closeSync(fd);
  }
  container.phase = 'running';
  store.save(container);
  return runOciHooksReporting('poststart', container.hooks?.poststart ?? [], stateDocument(container, 'running', container.engine.rootfs));
}
