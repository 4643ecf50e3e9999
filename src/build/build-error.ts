// What a build refuses or fails with: one line for the user, exit code 1 (Docker's for a failed
// build), whatever step met it.
import { MydockerError } from '../errors.js';

export class BuildError extends MydockerError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 1 });
    this.name = 'BuildError';
  }
}
