// What the OCI runtime command line keeps of a container (<--root>/<id>/state.json), and the state
// document `mydocker-runc state` prints (runtime-spec "State"). The status is derived when read, as
// crun does, never trusted as stored: a first process that is gone (its pid dead, or recycled: the
// start time tells) is "stopped" whatever the file says.
import * as path from 'node:path';
import { MydockerError } from '../errors.js';

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface OciStateRecord {
  id: string;
  bundle: string;
  /** 'created' once `create` returned, 'running' once `start` sent the launch. */
  phase: 'creating' | 'created' | 'running';
  pid: number | null;
  /** Field 22 of /proc/<pid>/stat when the first process was made. */
  pidStartTime: number | null;
  created: string;
  annotations: Record<string, string>;
}

/** The runtime-spec's state document, with runc's extra fields. */
export interface OciState {
  ociVersion: string;
  id: string;
  status: OciStatus;
  pid: number;
  bundle: string;
  rootfs?: string;
  created: string;
  annotations?: Record<string, string>;
}

export const STATE_FILE = 'state.json';
export const OCI_VERSION = '1.2.0';

/** runc's rule for IDs: it names a directory, so no path separator, and nothing that walks up. */
export function checkContainerId(id: string): void {
  if (!/^[\w+\-.]+$/.test(id) || id === '.' || id === '..') {
    throw new MydockerError(`invalid container ID "${id}": only letters, digits and _+-. are allowed`, { exitCode: 1 });
  }
}

export function stateFile(root: string, id: string): string {
  checkContainerId(id);
  return path.join(root, id, STATE_FILE);
}

/** The status now: `alive` says whether the recorded first process still runs, `frozen` whether its cgroup is. */
export function statusOf(record: OciStateRecord, alive: boolean, frozen: boolean): OciStatus {
  if (record.phase === 'creating') return alive ? 'creating' : 'stopped';
  if (!alive) return 'stopped';
  if (frozen) return 'paused';
  return record.phase;
}

export function stateDocument(record: OciStateRecord, status: OciStatus, rootfs?: string): OciState {
  return {
    ociVersion: OCI_VERSION,
    id: record.id,
    status,
    // The spec asks for a pid while created or running; a stopped container shows 0, as runc.
    pid: status === 'stopped' || record.pid === null ? 0 : record.pid,
    bundle: record.bundle,
    ...(rootfs === undefined ? {} : { rootfs }),
    created: record.created,
    ...(Object.keys(record.annotations).length > 0 ? { annotations: record.annotations } : {}),
  };
}
