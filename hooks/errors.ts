// Errors a plugin throws and catches, without importing the core (src/). The core attributes
// whatever a tap throws to the tap and the hook: "plugin "x" failed in hook setupNetwork: MESSAGE",
// exit code 125, the original kept as the cause. PluginFailure adds a hint, shown after the message.
// Kernel calls (ctx.kernel) and Node's fs throw errors that carry an errno name: see errnoCode.

/** A plugin's refusal or failure, with what the user can do about it. */
export class PluginFailure extends Error {
  /** What to do, e.g. "see: mydocker network ls"; the CLI prints it in parentheses after the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PluginFailure';
    this.hint = options.hint;
  }
}

/** What a failed `ctx.kernel` call throws (a KernelError of the core): the call and its errno. */
export interface KernelFailure extends Error {
  /** The call, e.g. "mount". */
  readonly syscall: string;
  /** The errno's name, e.g. "EINVAL" (as Node's fs errors name theirs). */
  readonly code: string;
  readonly errno: number;
}

/**
 * The errno name ("ENOENT", "EBUSY") of a failed kernel call or Node fs call, or undefined for any
 * other error. Read by name, not by class: a plugin loaded from a file may have its own copy of
 * this module, so `instanceof` across the boundary is unreliable.
 */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
