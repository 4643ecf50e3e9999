// Builds the contexts hooks receive from a container record. The record's pluginState object is
// shared with the contexts, so what taps save lands in the record the core writes afterwards.
import type { ContainerInfo, Kernel, PluginState } from '../../hooks/index.js';
import type { ContainerRecord } from '../container/record.js';
import { securityOf } from '../security/settings.js';
import { PLUGIN_STATES, type BaseContext } from './plugin-host.js';

export function containerInfo(record: ContainerRecord, stateDir: string): ContainerInfo {
  return Object.freeze({
    id: record.id,
    name: record.name,
    image: Object.freeze({ ...record.image }),
    command: Object.freeze([...record.command]),
    env: Object.freeze([...record.env]),
    workdir: record.workdir,
    hostname: record.hostname,
    tty: record.tty,
    storageDriver: record.storageDriver,
    options: Object.freeze({ ...record.options }),
    stateDir,
    security: securityOf(record),
  });
}

/** A hook context: container, kernel and whatever the hook adds; `state` is added per tap. */
export function hookContext<T extends object>(
  record: ContainerRecord,
  stateDir: string,
  kernel: Kernel,
  extra: T,
): T & BaseContext & { container: ContainerInfo; kernel: Kernel; state: PluginState } {
  // `state` here is a placeholder: every tap receives its own (see PluginHost).
  return { container: containerInfo(record, stateDir), kernel, state: Object.freeze({}), ...extra, [PLUGIN_STATES]: record.pluginState };
}
