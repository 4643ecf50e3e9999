// The error every kernel call throws: which call, on what, and the errno by name.
import { getSystemErrorName } from 'node:util';
import { MydockerError } from '../errors.js';

export class KernelError extends MydockerError {
  readonly syscall: string;
  readonly code: string;
  readonly errno: number;

  constructor(syscall: string, errno: number, detail?: string) {
    const code = errno > 0 ? safeErrorName(errno) : 'EUNKNOWN';
    super(`${syscall}${detail ? `(${detail})` : ''} failed: ${code}`);
    this.name = 'KernelError';
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }
}

/** An errno's name (ENOENT), or "errno N" for a number Node does not know. */
export function safeErrorName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
