// `update` as Docker's `docker update`: new resource limits, or a new restart policy, for a container
// that exists. Under the container's lock: the merged options are checked by every plugin's
// checkOptions (as a run's are), a running container gets them through updateResources (the cgroups
// plugin writes them onto its groups), and only then is the record saved with them: a refused update
// leaves the record as it was. A stopped container's next start applies them.
import type { JsonValue } from '../../hooks/index.js';
import { MydockerError, NoSuchContainerError } from '../errors.js';
import { deriveStatus } from '../container/status.js';
import { parseRestartPolicy } from '../container/restart-policy.js';
import type { ContainerRecord } from '../container/record.js';
import type { RuntimeInternals } from './internals.js';
import { hookContext } from './contexts.js';

export interface UpdateSpec {
  /** Options to merge into the container's, as run's flags give them (memory: '200m', cpus: '0.5', pidsLimit: '100', ...). */
  options?: Record<string, JsonValue>;
  /** A new restart policy: no, on-failure[:N], always or unless-stopped. */
  restart?: string;
}

export async function updateContainer(rt: RuntimeInternals, ref: string, spec: UpdateSpec, usePlugins: (record: ContainerRecord) => Promise<void>): Promise<void> {
  const given = spec.options ?? {};
  if (Object.keys(given).length === 0 && spec.restart === undefined) {
    throw new MydockerError('you must provide one or more flags when using this command', { exitCode: 1, hint: "see 'mydocker update --help'" });
  }
  const policy = spec.restart === undefined ? undefined : parseRestartPolicy(spec.restart);
  const found = rt.containers.resolve(ref);
  await usePlugins(found);
  const host = await rt.host();
  const { lockContainer } = await import('../container/lock.js');
  await lockContainer(rt.kernel, rt.containers, found.id, async () => {
    if (!rt.containers.exists(found.id)) throw new NoSuchContainerError(ref);
    const record = rt.containers.load(found.id);
    const running = deriveStatus(record) === 'running';
    if (policy && policy.name !== 'no') {
      if (record.autoRemove) throw new MydockerError('Restart policy cannot be updated because AutoRemove is enabled for the container', { exitCode: 1 });
      // Only a shim (-d, or a later start without -a) can start it again; a foreground run cannot.
      if (running && record.detached === undefined) throw new MydockerError(`container ${record.name} runs in the foreground: a restart policy needs a detached container`, { exitCode: 1, hint: 'stop it and start it again (detached) first' });
    }
    const previous = record.options;
    const options = { ...previous, ...given };
    host.hooks.checkOptions.call({ options, root: rt.root.dir });
    if (running && Object.keys(given).length > 0) {
      const stateDir = rt.containers.dir(record.id);
      const updated = { ...record, options };
      await host.hooks.updateResources.promise(hookContext(updated, stateDir, rt.kernel, { pid: record.state.pid!, previous }));
    }
    record.options = options;
    if (policy) {
      if (policy.name === 'no') delete record.restart;
      else record.restart = { ...record.restart, policy, count: record.restart?.count ?? 0 };
    }
    rt.containers.save(record);
    const { eventAttributes, recordEvent } = await import('./events.js');
    recordEvent(rt.root.dir, 'update', record.id, eventAttributes(record));
  });
}
