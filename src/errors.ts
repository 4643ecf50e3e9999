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
    // An empty reference is shown as one; a huge one by its start, the message staying one line.
    super(`no such container: ${ref === '' ? '""' : ref.length <= 80 ? ref : `${ref.slice(0, 80)}…`}`, { exitCode: 1 });
    this.name = 'NoSuchContainerError';
  }
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Why a system call failed, in words, for the errno codes a user's own file or input can cause. */
const ERRNO_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EEXIST: 'it already exists',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EFBIG: 'the file is too large',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  ETXTBSY: 'the file is busy',
  E2BIG: 'the arguments and environment are too large',
  EINVAL: 'invalid argument',
};

/** The words for an errno error ("no such file or directory"), or its message when it has no code. */
export function errnoReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined && ERRNO_REASONS[code]) || describe(error).split('\n')[0]!;
}

/** The errno codes of a full file system (blocks, inodes or the user's quota). */
const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** A file system that is full: one line that says where, and what to do. */
export class NoSpaceError extends MydockerError {
  constructor(
    readonly where: string,
    isStateRoot: boolean,
    cause?: unknown,
  ) {
    super(isStateRoot ? `no space left on the file system of the state root ${where}` : `no space left on the file system of ${where}`, { cause, hint: 'free space and retry' });
    this.name = 'NoSpaceError';
  }
}

/**
 * The failure as a NoSpaceError when a full file system is what it comes down to (the error, or an
 * error it was caused by, e.g. a plugin's), else undefined. `root` is the state root: where most
 * writes go, and what the user is told about unless the failed call named a file elsewhere.
 */
export function noSpaceError(error: unknown, root: string): NoSpaceError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof NoSpaceError) return e;
    const { code, path: file } = e as NodeJS.ErrnoException;
    if (code === undefined || !NO_SPACE.has(code)) continue;
    const inRoot = file === undefined || file === root || file.startsWith(`${root}/`);
    return new NoSpaceError(inRoot ? root : file, inRoot, error);
  }
  return undefined;
}

/**
 * A failed file operation as one line, "cannot <action> <file>: <reason>" (the user named the file,
 * so the fault is theirs to fix). A MydockerError passes through: it already says what went wrong.
 */
export function fileError(error: unknown, action: string, file: string, exitCode = 125): MydockerError {
  if (error instanceof MydockerError) return error;
  if (NO_SPACE.has((error as NodeJS.ErrnoException | undefined)?.code ?? '')) return new NoSpaceError(file, false, error);
  return new MydockerError(`cannot ${action} ${file}: ${errnoReason(error)}`, { exitCode, cause: error });
}
