// What a container record (<root>/containers/<id>/container.json) must hold to be used: every field
// the runtime reads, with its type. A record that fails is reported by path and field, with the way
// out (`rm -f` removes a container whatever its record says); the runtime never acts on half of one.
import type { DeviceMapping, JsonValue, PluginState, SecuritySettings } from '../../hooks/index.js';
import { anything, boolean, integer, listOf, matching, nullable, number, object, oneOf, optional, recordOf, string, type Check } from '../../hooks/state-file.js';
import type { ContainerRecord } from './record.js';

const ID = /^[0-9a-f]{64}$/;

const device: Check<DeviceMapping> = object({
  hostPath: string,
  containerPath: string,
  type: oneOf('c', 'b'),
  major: integer,
  minor: integer,
  fileMode: integer,
  uid: integer,
  gid: integer,
  permissions: string,
});

const security: Check<SecuritySettings> = object({
  privileged: boolean,
  capAdd: listOf(string),
  capDrop: listOf(string),
  securityOpt: listOf(string),
  readOnlyRootfs: boolean,
  tmpfs: listOf(string),
  user: string,
  devices: listOf(device),
});

const json = anything as Check<JsonValue>;

export const containerRecordCheck: Check<ContainerRecord> = object({
  id: matching(ID, 'a container ID (64 hex digits)'),
  name: string,
  created: string,
  image: object({ ref: string, id: string }),
  command: listOf(string),
  env: listOf(string),
  workdir: string,
  hostname: string,
  tty: boolean,
  interactive: boolean,
  autoRemove: boolean,
  storageDriver: string,
  options: recordOf(json),
  labels: optional(recordOf(string)),
  otherName: optional(string),
  stopSignal: optional(string),
  stopTimeout: optional(integer),
  shmSize: optional(integer),
  init: optional(boolean),
  restart: optional(
    object({
      policy: object({ name: oneOf('no', 'on-failure', 'always', 'unless-stopped'), maxRetries: integer }),
      count: integer,
      delayMs: optional(integer),
      manuallyStopped: optional(boolean),
      waiting: optional(object({ pid: integer, startTime: nullable(number), since: string })),
    }),
  ),
  security: optional(security),
  imageExposed: optional(listOf(string)),
  ulimits: optional(listOf(object({ Name: string, Soft: integer, Hard: integer }))),
  healthcheck: optional(object({ Test: listOf(string), Interval: optional(number), Timeout: optional(number), StartPeriod: optional(number), StartInterval: optional(number), Retries: optional(integer) })),
  plugins: listOf(string),
  rootfs: nullable(string),
  detached: optional(object({ log: string, exitFile: string, shimPid: optional(integer), shimStartTime: optional(nullable(number)) })),
  state: object({
    status: oneOf('created', 'running', 'exited'),
    pid: nullable(integer),
    pidStartTime: nullable(number),
    startedAt: nullable(string),
    finishedAt: nullable(string),
    exitCode: nullable(integer),
  }),
  pluginState: recordOf(recordOf(json) as Check<PluginState>),
});

/** What to do about an unusable record: remove the container (what it ran is released by its ID). */
export function recordHint(id: string): string {
  return `remove the container with: mydocker rm -f ${id.slice(0, 12)}`;
}
