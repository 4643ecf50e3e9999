// Parses `-v` values the way Docker's Linux parser does (pure, no I/O). Runs in the `run` process:
// in the volumes plugin's checkOptions (to refuse a bad spec before anything exists) and again in
// its prepareRootfs (the record keeps the raw strings, so `start` parses what `run` was given).
//   /host:/ctr[:ro|rw]   bind mount of a host path (created if missing)
//   name:/ctr[:ro|rw]    named volume (created if missing)
//   /ctr                 anonymous volume (a fresh volume with a random name)
import * as path from 'node:path';
import type { JsonValue } from '../../hooks/index.js';
import { MAX_NAME_LENGTH, NAME_PATTERN as VOLUME_NAME_PATTERN, nameProblem } from '../../hooks/names.js';

export type VolumeSpec =
  | { readonly kind: 'bind'; readonly source: string; readonly target: string; readonly readonly: boolean; readonly raw: string }
  | { readonly kind: 'named'; readonly name: string; readonly target: string; readonly readonly: boolean; readonly raw: string }
  | { readonly kind: 'anonymous'; readonly target: string; readonly readonly: boolean; readonly raw: string };

// Docker's rule for local volume names is the one for container names.
export { VOLUME_NAME_PATTERN, nameProblem as volumeNameProblem };

const MODES = new Set(['ro', 'rw']);

export function parseVolumeSpec(raw: string): VolumeSpec {
  const parts = raw.split(':');
  if (parts[0] === '') throw invalid(raw, 'it has no source or target');
  let source: string | undefined;
  let target: string;
  let mode = 'rw';
  if (parts.length === 1) {
    target = parts[0]!;
  } else if (parts.length === 2) {
    // `/ctr:ro` would be a volume with a mode and no source: Docker refuses it too.
    if (MODES.has(parts[1]!)) throw invalid(raw, 'a mode needs both a source and a target');
    [source, target] = parts as [string, string];
  } else if (parts.length === 3) {
    [source, target, mode] = parts as [string, string, string];
  } else {
    throw invalid(raw, `too many ':' (at most source:target:mode)`);
  }
  if (!MODES.has(mode)) throw invalid(raw, `unknown mode "${mode}" (only ro and rw)`);
  if (target === '') throw invalid(raw, 'the target is empty');
  if (!target.startsWith('/')) throw invalid(raw, `the target "${target}" is not an absolute path`);
  const cleanTarget = clean(target);
  if (cleanTarget === '/') throw invalid(raw, "the target cannot be '/'");
  const readonly = mode === 'ro';
  if (source === undefined) return { kind: 'anonymous', target: cleanTarget, readonly, raw };
  if (source.startsWith('/')) return { kind: 'bind', source: clean(source), target: cleanTarget, readonly, raw };
  if (!VOLUME_NAME_PATTERN.test(source)) {
    throw invalid(raw, `"${source}" is neither an absolute host path nor a volume name ([a-zA-Z0-9][a-zA-Z0-9_.-]+); for a host directory, use an absolute path`);
  }
  if (source.length > MAX_NAME_LENGTH) throw invalid(raw, `the volume name is ${source.length} characters long, at most ${MAX_NAME_LENGTH} are allowed`);
  return { kind: 'named', name: source, target: cleanTarget, readonly, raw };
}

/** All of a container's `-v` values (options.volumes), or a throw naming the first bad one. */
export function parseVolumeSpecs(value: JsonValue | undefined): VolumeSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
    throw new Error('options.volumes must be a list of strings');
  }
  const specs = value.map(parseVolumeSpec);
  const seen = new Set<string>();
  for (const spec of specs) {
    // Two mounts on one target would hide one another: Docker refuses it as a duplicate.
    if (seen.has(spec.target)) throw new Error(`duplicate mount point: ${spec.target}`);
    seen.add(spec.target);
  }
  return specs;
}

/** Parents before children (/a before /a/b): a nested target must land inside its parent's volume. */
export function mountOrder(specs: readonly VolumeSpec[]): VolumeSpec[] {
  const depth = (p: string): number => p.split('/').length;
  return [...specs].sort((a, b) => depth(a.target) - depth(b.target));
}

function clean(p: string): string {
  const normalized = path.posix.normalize(p);
  return normalized.length > 1 ? normalized.replace(/\/+$/, '') : normalized;
}

function invalid(raw: string, why: string): Error {
  // A spec of any length is echoed by its start: the message stays one readable line.
  return new Error(`invalid volume specification ${JSON.stringify(raw.length <= 80 ? raw : `${raw.slice(0, 80)}…`)}: ${why}`);
}
