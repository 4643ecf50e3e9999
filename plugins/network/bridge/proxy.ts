// Starting and stopping a container's mydocker-proxy (shim/mydocker-proxy.c): the userland side of
// its published ports, which holds every published port bound (IPv4 and IPv6) and forwards what
// NAT cannot (IPv6, to a container that has only IPv4). One small native process per container
// rather than one Node process (~40 MB, ~40 ms to start) or one per port: ~200 kB, ~1 ms.
import { spawn } from 'node:child_process';
import { processStartTime } from '../../../hooks/proc-stat.js';
import { PROXY_PROGRAM, proxyArgs, runningProxies, type ProxyOwner } from '../../../hooks/port-proxy.js';
import type { PortMapping } from '../../../hooks/index.js';

/** A proxy that runs: its PID and start time (what stopping it checks, against a recycled PID). */
export interface ProxyProcess {
  pid: number;
  start: number;
}

/** A binding the proxy could not bind: `index` into the bindings it was given. */
export class ProxyBindError extends Error {
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'ProxyBindError';
  }
}

export interface PortProxies {
  /** Starts the proxy; resolves once every binding is bound (throws ProxyBindError for one that is not). */
  start(owner: ProxyOwner, address: string, bindings: readonly PortMapping[]): Promise<ProxyProcess>;
  /** Stops the proxy and waits until its sockets are closed. Idempotent. */
  stop(proxy: ProxyProcess | null, owner: { root: string; container: string }): Promise<void>;
}

export function portProxies(binary: string, procRoot = '/proc'): PortProxies {
  return {
    start: (owner, address, bindings) => startProxy(binary, proxyArgs(owner, address, bindings)),
    async stop(proxy, owner) {
      // Without a saved PID (a run killed right after spawning it), found by its command line.
      const targets = proxy !== null ? [proxy] : runningProxies(procRoot)
        .filter((p) => p.owner.root === owner.root && p.owner.container === owner.container)
        .flatMap((p) => {
          const start = processStartTime(p.pid, procRoot);
          return start === null ? [] : [{ pid: p.pid, start }];
        });
      await Promise.all(targets.map((t) => stopProcess(t, procRoot)));
    },
  };
}

function startProxy(binary: string, args: string[]): Promise<ProxyProcess> {
  return new Promise((resolve, reject) => {
    // Its own session: the terminal's ^C to a foreground run is not for it; the run's end is.
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', 'pipe', 'ignore'], env: {} });
    let said = '';
    const settle = (): void => {
      const line = said.split('\n')[0] ?? '';
      child.stdout?.destroy();
      child.unref();
      if (line === 'OK') {
        const start = processStartTime(child.pid!);
        if (start === null) reject(new Error(`${PROXY_PROGRAM} ended right after it started`));
        else resolve({ pid: child.pid!, start });
        return;
      }
      const match = /^ERR (-?\d+) (.*)$/.exec(line);
      if (match && Number(match[1]) >= 0) reject(new ProxyBindError(Number(match[1]), match[2]!));
      else reject(new Error(`${PROXY_PROGRAM} failed: ${match ? match[2] : 'it ended without a word'}`));
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new Error(`cannot run ${binary} (${error.code ?? error.message}): build it with: npm run build`));
    });
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      said += chunk;
      if (said.includes('\n')) settle();
    });
    child.stdout!.on('end', () => {
      if (!said.includes('\n')) settle();
    });
  });
}

/** SIGTERM, then waits (up to 2 s, then SIGKILL) until the process is gone or a zombie: its sockets are closed then. */
async function stopProcess(proxy: ProxyProcess, procRoot: string): Promise<void> {
  const alive = (): boolean => processStartTime(proxy.pid, procRoot) === proxy.start;
  if (!alive()) return;
  try {
    process.kill(proxy.pid, 'SIGTERM');
  } catch {
    return; // gone meanwhile
  }
  for (let waited = 0; alive(); waited += 5) {
    if (waited === 2000) {
      try {
        process.kill(proxy.pid, 'SIGKILL');
      } catch {
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}
