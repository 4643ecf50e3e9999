// `info`: what this runtime and host are, in Docker's field names where Docker has them (so that
// `info --format '{{.CgroupVersion}}'` reads as it does with Docker).
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { ContainerSummary } from './summaries.js';
import type { PluginHost } from './plugin-host.js';
import { VERSION } from '../version.js';

export interface RuntimeInfo {
  ServerVersion: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  CgroupDriver: 'cgroupfs';
  CgroupVersion: '1' | '2';
  KernelVersion: string;
  OperatingSystem: string;
  OSType: 'linux';
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  Name: string;
  DockerRootDir: string;
  NodeVersion: string;
  Plugins: { Loaded: string[]; Storage: string[]; Network: string[]; Volume: string[] };
  SecurityOptions: string[];
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

export function runtimeInfo(root: string, containers: readonly ContainerSummary[], images: number, host: PluginHost): RuntimeInfo {
  const running = containers.filter((c) => c.status === 'running').length;
  const paused = containers.filter((c) => c.status === 'paused').length;
  const loaded = host.loaded();
  return {
    ServerVersion: VERSION,
    Containers: containers.length,
    ContainersRunning: running,
    ContainersPaused: paused,
    ContainersStopped: containers.length - running - paused,
    Images: images,
    Driver: loaded.storage[0] ?? '',
    CgroupDriver: 'cgroupfs',
    // cgroup2 at /sys/fs/cgroup itself is "unified"; a tmpfs of v1 hierarchies (hybrid or not) is 1.
    CgroupVersion: statfsType('/sys/fs/cgroup') === CGROUP2_SUPER_MAGIC ? '2' : '1',
    KernelVersion: os.release(),
    OperatingSystem: prettyName(),
    OSType: 'linux',
    Architecture: os.machine(),
    NCPU: os.availableParallelism(),
    MemTotal: os.totalmem(),
    Name: os.hostname(),
    DockerRootDir: root,
    NodeVersion: process.version,
    Plugins: { Loaded: loaded.plugins, Storage: loaded.storage, Network: loaded.network, Volume: loaded.volume },
    SecurityOptions: ['name=seccomp,profile=builtin', 'name=no-new-privileges-capable'],
  };
}

function statfsType(dir: string): number | null {
  try {
    return fs.statfsSync(dir).type;
  } catch {
    return null;
  }
}

function prettyName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}
