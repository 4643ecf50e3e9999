// The container record kept on disk (<root>/containers/<id>/container.json): its configuration,
// what each plugin saved, and the facts of its last start. Status is derived when read (see status.ts),
// never trusted as stored, so it is right after a crash of mydocker or a reboot.
import type { Ulimit } from '../process/rlimits.js';
import type { JsonValue, PluginState, SecuritySettings } from '../../hooks/index.js';
import type { RestartPolicy } from './restart-policy.js';
import type { HealthConfig } from './health.js';

export type StoredStatus = 'created' | 'running' | 'exited';

export interface RestartState {
  policy: RestartPolicy;
  /** Restarts since a user last started it (Docker's RestartCount). */
  count: number;
  /** The last wait before a restart (the back-off doubles it). */
  delayMs?: number;
  /** Stopped or killed by a user: not started again until a user starts it. */
  manuallyStopped?: boolean;
  /** The shim's cleanup waiting out the back-off to start it again: "Restarting" while it lives. */
  waiting?: { pid: number; startTime: number | null; since: string };
}

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  image: { ref: string; id: string };
  command: string[];
  env: string[];
  workdir: string;
  hostname: string;
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  storageDriver: string;
  /** Options that belong to plugins (limits, volumes, network), as the user gave them. */
  options: Record<string, JsonValue>;
  /** `--stop-signal` (default SIGTERM) and `--stop-timeout` in seconds (default 10): what `stop` does. */
  stopSignal?: string;
  stopTimeout?: number;
  /** `--restart` of a detached container, and how its restarts go; absent: no restarts. */
  restart?: RestartState;
  /** `--init`: mydocker-init stays as PID 1, reaping zombies and forwarding signals to the command. */
  init?: boolean;
  /** `--ulimit`s: resource limits its processes start with (exec's too); absent: the host's. */
  ulimits?: Ulimit[];
  /** `--shm-size` in bytes; absent: Docker's 64 MiB. */
  shmSize?: number;
  /**
   * Another name whose file may hold this container's ID: a rename under way (the new name while it
   * is being reserved, then the old one until its file is gone). A removal drops the files of both
   * names without reading every name file of the root; absent: none.
   */
  otherName?: string;
  /** `--label` key=value pairs; absent when none was given. */
  labels?: Record<string, string>;
  /** Confinement (`--privileged`, `--cap-add`, `-u`, ...); absent in records older than it: the defaults. */
  security?: SecuritySettings;
  /** The ports its image EXPOSEs ("80/tcp"), kept at run: Config.ExposedPorts outlives the image. Absent: none (or a record older than it). */
  imageExposed?: string[];
  /** The health check it runs (`--health-*` over the image's HEALTHCHECK); absent: none. Its state is health.json. */
  healthcheck?: HealthConfig;
  /** Users' plugin files this container was created with; `rm` loads them to run their teardowns. */
  plugins: string[];
  /** Host path of the root filesystem while mounted. */
  rootfs: string | null;
  /** Detached containers: where the shim writes the output log and the exit status. */
  detached?: {
    log: string;
    exitFile: string;
    /** The shim's watcher, leader of the shim's process group (`rm -f` kills the group first), and its start time. */
    shimPid?: number;
    shimStartTime?: number | null;
  };
  state: {
    status: StoredStatus;
    pid: number | null;
    /** The pid's start time (field 22 of /proc/<pid>/stat): a recycled pid has another one. */
    pidStartTime: number | null;
    startedAt: string | null;
    finishedAt: string | null;
    exitCode: number | null;
  };
  /** What each tap saved, by tap name. */
  pluginState: Record<string, PluginState>;
}
