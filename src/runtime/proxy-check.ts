// `system check`'s look at the port proxies (shim/mydocker-proxy.c) of this state root: one that
// serves no live container process is left over. A proxy ends by itself with its container's first
// process, so this finds only what that missed (a kernel without pidfds, a proxy stopped with
// SIGSTOP): its ports stay bound, and a run that wants them is refused. Found by their command
// lines (hooks/port-proxy.ts), the way the bridge driver's teardown finds one it never recorded.
import { runningProxies } from '../../hooks/port-proxy.js';
import { isSameProcessAlive, processStartTime } from '../container/proc-stat.js';
import { shortId } from '../container/ids.js';
import type { Finding } from './system-check.js';

export function proxyFindings(rootDir: string, procRoot = '/proc'): Finding[] {
  return runningProxies(procRoot)
    .filter(({ owner }) => owner.root === rootDir && !isSameProcessAlive(owner.pid, owner.start, procRoot))
    .flatMap(({ pid, owner }): Finding[] => {
      const start = processStartTime(pid, procRoot);
      if (start === null) return []; // ended meanwhile
      return [
        {
          kind: 'port proxy',
          what: shortId(owner.container),
          where: `pid ${pid}`,
          why: `the first process of container ${shortId(owner.container)} (pid ${owner.pid}) has ended`,
          fix: async () => {
            if (processStartTime(pid, procRoot) === start) process.kill(pid, 'SIGKILL');
          },
        },
      ];
    });
}
