// The cgroups plugin's name, the key of its saved state (CgroupState) in a container's record: in a
// file of its own, so that the core can read where a container's groups are (the freezer, `pause`)
// without loading the plugin.
export const CGROUPS_PLUGIN = 'mydocker:cgroups';

export interface CgroupState {
  layout: string;
  /** One directory per v1 controller, or { unified: dir } on v2 (CgroupPaths). */
  paths: Record<string, string>;
  /**
   * The directories above `paths` that this container's create made (none existed before): removed
   * with its groups when left empty, deepest first. Never one that was there before it.
   */
  levels?: string[];
  oomKilled?: boolean;
}
