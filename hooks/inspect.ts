// What a plugin adds to `mydocker inspect`: a section, registered with
// `api.registerInspectSection(name, fields)`, is a top-level key of the container's inspect output;
// the object `fields` returns is merged into it (the core's own fields of that key first, a plugin's
// after, replacing any of the same name). The cgroups plugin fills `State.OOMKilled`, the network
// plugin `NetworkSettings`. Called in the CLI's process (or a script's), outside any hook.
import type { ContainerInfo, JsonValue, PluginState } from './container.js';

export interface InspectContext {
  readonly container: ContainerInfo;
  /** The state the registering plugin saved for the container (its taps' `ctx.state`); `{}` when none. */
  readonly state: PluginState;
  /** Whether the container runs now. */
  readonly running: boolean;
}

/** The fields a plugin contributes to one section; null (or nothing) adds none. */
export type InspectFields = (ctx: InspectContext) => Record<string, JsonValue> | null | undefined;
