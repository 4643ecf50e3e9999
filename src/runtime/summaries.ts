// What `ps` shows of each container: its record's facts and its derived status, and for one whose
// record cannot be used, its ID, its name (from the name files) and what is wrong, as 'dead'.
import type { ContainerRecord } from '../container/record.js';
import type { ContainerStore } from '../container/store.js';
import { deriveStatus, isPaused, isRestarting, type ContainerStatus } from '../container/status.js';
import { endOf } from '../container/exit-file.js';
import { readHealth } from '../container/health-file.js';
import type { HealthStatus } from '../container/health.js';
import { savedPorts, type PortMapping } from '../../hooks/ports.js';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** The image's ID ('' when the record cannot be read). */
  imageId: string;
  command: string[];
  created: string;
  /** 'paused': running, its processes frozen (`pause`). 'dead': its record cannot be used (see `problem`); `rm -f` removes it. */
  status: ContainerStatus | 'paused' | 'restarting' | 'dead';
  exitCode: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** The `-p` specs as given (with those -P added). */
  publish: string[];
  /** What it exposes besides its -p specs: its image's EXPOSE keys ("80/tcp") and its --expose specs. */
  expose: string[];
  /** What it publishes, as its network was set up (host ports picked included). */
  ports: PortMapping[];
  labels: Record<string, string>;
  /** The health check's status (the last one recorded; `starting` before the first); null: no health check. */
  health: HealthStatus | null;
  /** Why the record (or the exit file) cannot be used: "<path>: <what is wrong>". */
  problem?: string;
}

export function containerSummaries(containers: ContainerStore): ContainerSummary[] {
  const { items: listed, broken } = containers.scanEach((r: ContainerRecord): ContainerSummary => {
    const { error, ...end } = endOf(r);
    return {
      id: r.id,
      name: r.name,
      image: r.image.ref,
      imageId: r.image.id,
      command: r.command,
      created: r.created,
      status: isRestarting(r) ? 'restarting' : isPaused(r) ? 'paused' : deriveStatus(r),
      ...end,
      startedAt: r.state.startedAt,
      publish: Array.isArray(r.options.publish) ? r.options.publish.map(String) : [],
      expose: [...(r.imageExposed ?? []), ...(Array.isArray(r.options.expose) ? r.options.expose.map(String) : [])],
      ports: savedPorts(r.options, r.pluginState),
      labels: r.labels ?? {},
      health: r.healthcheck ? healthOf(containers.dir(r.id)) : null,
      ...(error === undefined ? {} : { problem: error }),
    };
  });
  const dead = broken.map((b): ContainerSummary => ({
    id: b.id,
    name: b.name ?? '',
    image: '',
    imageId: '',
    command: [],
    created: '',
    status: 'dead',
    exitCode: null,
    startedAt: null,
    finishedAt: null,
    publish: [],
    expose: [],
    ports: [],
    labels: {},
    health: null,
    problem: b.error.message,
  }));
  return [...listed, ...dead];
}

/** A damaged health file says nothing yet: `starting`, until the next check writes it whole. */
function healthOf(stateDir: string): HealthStatus {
  try {
    return readHealth(stateDir)?.Status ?? 'starting';
  } catch {
    return 'starting';
  }
}
