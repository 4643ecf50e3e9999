// `mydocker cp [-a] [-L] CONTAINER:SRC DEST|-` and `mydocker cp [-a] [-L] SRC|- CONTAINER:DEST`, as
// Docker's: "-" is a tar stream (to stdout, or from stdin into a directory of the container). A
// path with a ':' before any '/' names a container; a local one with a ':' is written ./a:b.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { CLOSED_PIPE_EXIT, isClosedPipe } from '../closed-pipe.js';

const USAGE = 'usage: mydocker cp CONTAINER:SRC_PATH DEST_PATH|- or mydocker cp SRC_PATH|- CONTAINER:DEST_PATH';

export default async function cp(_args: unknown[], options: Record<string, unknown>, paths: string[]): Promise<number> {
  if (paths.length !== 2) throw new MydockerError(`"cp" requires exactly 2 arguments, ${paths.length} given`, { exitCode: 1, hint: USAGE });
  const [from, to] = paths as [string, string];
  const source = splitRef(from);
  const dest = splitRef(to);
  if ((source === null) === (dest === null)) {
    throw new MydockerError(source === null ? 'copying between two local paths is not supported' : 'copying between two containers is not supported', { exitCode: 1, hint: USAGE });
  }
  const runtime = await cliRuntime(options);
  const flags = { followLink: options.followLink === true, archive: options.archive === true };
  if (source !== null) {
    if (to !== '-') {
      await runtime.copy(source.container, { direction: 'out', containerPath: source.path, hostPath: to, ...flags });
      return 0;
    }
    // To stdout as a tar: copied out into a private directory first, then packed from there.
    return withStaging(async (staging) => {
      await runtime.copy(source.container, { direction: 'out', containerPath: source.path, hostPath: `${staging}/`, ...flags });
      const tar = await import('tar');
      try {
        await pipeline(tar.create({ cwd: staging, portable: false }, fs.readdirSync(staging)) as unknown as NodeJS.ReadableStream, process.stdout);
      } catch (error) {
        if (isClosedPipe(error)) return CLOSED_PIPE_EXIT;
        throw error;
      }
      return 0;
    });
  }
  if (from !== '-') {
    await runtime.copy(dest!.container, { direction: 'in', containerPath: dest!.path, hostPath: from, ...flags });
    return 0;
  }
  // From stdin as a tar: unpacked into a private directory, then its contents copied in.
  return withStaging(async (staging) => {
    const tar = await import('tar');
    await pipeline(process.stdin, tar.extract({ cwd: staging, preservePaths: false, preserveOwner: true, strict: true }) as unknown as NodeJS.WritableStream);
    await runtime.copy(dest!.container, { direction: 'in', containerPath: dest!.path, hostPath: `${staging}/.`, intoDirectory: true, ...flags });
    return 0;
  });
}

/** "name:/path" names a container's path; "./a:b", "/a:b" and "-" are local. */
function splitRef(arg: string): { container: string; path: string } | null {
  if (arg === '-' || arg.startsWith('/') || arg.startsWith('.')) return null;
  const colon = arg.indexOf(':');
  const slash = arg.indexOf('/');
  if (colon <= 0 || (slash >= 0 && slash < colon)) return null;
  const p = arg.slice(colon + 1);
  return { container: arg.slice(0, colon), path: p.startsWith('/') ? p : `/${p}` };
}

async function withStaging(body: (dir: string) => Promise<number>): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-cp-'));
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
