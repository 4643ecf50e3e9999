// What every hook sees of a container: its identity, command and settings as recorded when it was
// created, its confinement, and the JSON state a plugin keeps with it. Types only.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What a plugin keeps in the container's state, under its tap name. The core writes it to disk after
 * every hook, so a teardown that runs later in another process (`mydocker rm`) reads what the setup
 * saved. Store plain JSON only: paths you mounted, names of links you created, ids you allocated.
 */
export type PluginState = Record<string, JsonValue>;

/** What every hook sees of the container. Read-only: change the container through your own state. */
export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: { readonly ref: string; readonly id: string };
  /** The command as given: argv, never joined into one string. */
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly workdir: string;
  readonly hostname: string;
  readonly tty: boolean;
  readonly storageDriver: string;
  /** Resource limits and volumes as the user asked for them (plugins validate their own keys). */
  readonly options: Readonly<Record<string, JsonValue>>;
  /** The container's own directory under the state root; a plugin may keep files there. */
  readonly stateDir: string;
  /** Its confinement as it was asked for (`--privileged`, `--device`, ...); see docs/security.md. */
  readonly security: SecuritySettings;
}

/** A container's confinement settings, as recorded when it was created. */
export interface SecuritySettings {
  /** `--privileged`: every capability, no seccomp, no masked paths, every device. */
  readonly privileged: boolean;
  /** `--cap-add`, `--cap-drop`: names without the CAP_ prefix, upper case, or "ALL". */
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  /** `--security-opt` values as given (seccomp=..., no-new-privileges[=true|false]). */
  readonly securityOpt: readonly string[];
  /** `--read-only`: the root filesystem is mounted read-only. */
  readonly readOnlyRootfs: boolean;
  /** `--tmpfs PATH[:OPTIONS]` as given. */
  readonly tmpfs: readonly string[];
  /** `-u/--user` as given (or the image's User), "" for the image's default (root). */
  readonly user: string;
  /** `--device` mappings, resolved against the host when the container was created. */
  readonly devices: readonly DeviceMapping[];
}

/**
 * One rule of a container's device access list, as the devices cgroup (v1) or a device program
 * (v2) enforces it: `type` 'a' is every device, `major`/`minor` null is any (`*`), `access` is a
 * subset of "rwm" (read, write, mknod).
 */
export interface DeviceRule {
  readonly allow: boolean;
  readonly type: 'a' | 'c' | 'b';
  readonly major: number | null;
  readonly minor: number | null;
  readonly access: string;
}

/** A host device given to the container with `--device HOST[:CONTAINER][:PERMISSIONS]`. */
export interface DeviceMapping {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly type: 'c' | 'b';
  readonly major: number;
  readonly minor: number;
  /** The node's mode bits on the host (what the container's node gets too). */
  readonly fileMode: number;
  readonly uid: number;
  readonly gid: number;
  /** A subset of "rwm". */
  readonly permissions: string;
}
