// Our output's reader went away (`mydocker export x | head`): as a shell pipeline's writer, the
// command ends quietly with 141 (128 + SIGPIPE), what a shell reports for a writer its reader left.
// Node ignores SIGPIPE and reports EPIPE on the next write instead; these turn that into the exit
// a shell expects, never a stack trace or "mydocker: write EPIPE".

export const CLOSED_PIPE_EXIT = 141;

export function isClosedPipe(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Runs an output pipeline: its exit code, or 141 when the reader of our stdout left first. */
export async function untilReaderLeaves(work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (isClosedPipe(error)) return CLOSED_PIPE_EXIT;
    throw error;
  }
}
