// Which cgroup layout this host has, read once from a mount table: v2 (one unified hierarchy at
// /sys/fs/cgroup, today's Debian and Ubuntu), v1 (a hierarchy per controller), or hybrid (v1
// controllers plus a controller-less cgroup2 at /sys/fs/cgroup/unified, which mydocker treats as v1).
import { MS } from '../../hooks/index.js';

/** Where a container sees its own groups (its view, see CgroupDriver.views), and its mount flags. */
export const CGROUP_VIEW = '/sys/fs/cgroup';
export const VIEW_FLAGS = MS.NOSUID | MS.NODEV | MS.NOEXEC;

export type CgroupLayout =
  | { kind: 'v2'; root: string }
  | { kind: 'v1' | 'hybrid'; controllers: Readonly<Record<string, string>> };

const V1_CONTROLLERS = new Set(['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'blkio', 'devices', 'freezer', 'net_cls', 'net_prio', 'perf_event', 'hugetlb', 'rdma', 'misc']);

export function detectLayout(mountinfo: string): CgroupLayout {
  const controllers: Record<string, string> = {};
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0) continue;
    const mountPoint = decode(line.slice(0, dash).split(' ')[4] ?? '');
    const [fstype, , superOptions = ''] = line.slice(dash + 3).split(' ');
    if (fstype === 'cgroup2') unified ??= mountPoint;
    if (fstype === 'cgroup') {
      for (const option of superOptions.split(',')) if (V1_CONTROLLERS.has(option)) controllers[option] ??= mountPoint;
    }
  }
  if (Object.keys(controllers).length > 0) return { kind: unified === undefined ? 'v1' : 'hybrid', controllers };
  if (unified !== undefined) return { kind: 'v2', root: unified };
  throw new Error('no cgroup filesystem is mounted (neither cgroup v1 controllers nor cgroup2)');
}

function decode(path: string): string {
  return path.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
