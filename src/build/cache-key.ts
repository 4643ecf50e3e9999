// The key of a build step in the cache: the sha256 of its parent image's ID, the instruction as it
// ran (variables substituted, the build arguments RUN saw), and for COPY/ADD the digest of the
// copied files' content and metadata (copy.ts digestSources). Pure.
import { createHash } from 'node:crypto';

export interface StepInputs {
  /** The image the step starts from; null for the first step of a `FROM scratch` stage. */
  parent: string | null;
  /** The instruction as it ran. */
  instruction: string;
  /** COPY/ADD: the digest of the copied files; absent for others. */
  content?: string;
}

export function cacheKey(inputs: StepInputs): string {
  return createHash('sha256')
    .update(JSON.stringify([inputs.parent ?? 'scratch', inputs.instruction, inputs.content ?? null]))
    .digest('hex');
}
