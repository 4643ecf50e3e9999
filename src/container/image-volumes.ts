// An image's VOLUMEs as Docker's run makes them: an anonymous volume at each path no `-v` of the run
// already mounts something on. Pure: run adds them to the options the volumes plugin reads.
import * as path from 'node:path';
import type { JsonValue } from '../../hooks/index.js';

export function withImageVolumes(options: Record<string, JsonValue>, volumes: Record<string, unknown> | undefined): Record<string, JsonValue> {
  const wanted = Object.keys(volumes ?? {});
  if (wanted.length === 0) return options;
  const given = Array.isArray(options.volumes) ? options.volumes.filter((v): v is string => typeof v === 'string') : [];
  const targets = new Set(given.map(volumeTarget));
  const added = wanted.filter((p) => p.startsWith('/') && !targets.has(clean(p)));
  return added.length === 0 ? options : { ...options, volumes: [...(Array.isArray(options.volumes) ? options.volumes : []), ...added] };
}

/** Where a `-v` spec mounts: `/ctr`, `name:/ctr[:ro]`, `/host:/ctr[:ro]`. */
function volumeTarget(spec: string): string {
  const parts = spec.split(':');
  return clean(parts.length === 1 ? parts[0]! : parts[1]!);
}

function clean(target: string): string {
  const normal = path.posix.normalize(target);
  return normal.length > 1 ? normal.replace(/\/+$/, '') : normal;
}
