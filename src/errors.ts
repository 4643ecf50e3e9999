// Errors the library throws. Each carries the exit code the CLI should use (Docker's conventions:
// 125 the runtime failed, 126 the command cannot run, 127 it was not found) and a hint that says
// what to do. Library code throws these; only the CLI prints them.

export class MydockerError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MydockerError';
    this.exitCode = options.exitCode ?? 125;
    this.hint = options.hint;
  }
}

/** The user's command could not be started inside the container (126 or 127). */
export class CommandError extends MydockerError {
  constructor(message: string, exitCode: 126 | 127) {
    super(message, { exitCode });
    this.name = 'CommandError';
  }
}

/** A plugin threw from one of its hooks: names both, keeps the original as cause. */
export class PluginError extends MydockerError {
  readonly plugin: string;
  readonly hook: string;

  constructor(plugin: string, hook: string, cause: unknown) {
    super(`plugin "${plugin}" failed in hook ${hook}: ${describe(cause)}`, { cause });
    this.name = 'PluginError';
    this.plugin = plugin;
    this.hook = hook;
  }
}

/** A name or ID that matches nothing (Docker's `rm` of an unknown name exits 1). */
export class NoSuchContainerError extends MydockerError {
  constructor(ref: string) {
    super(`no such container: ${ref}`, { exitCode: 1 });
    this.name = 'NoSuchContainerError';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
