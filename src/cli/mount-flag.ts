// `--mount type=bind|volume|tmpfs,source=...,target=...[,readonly][,...]` as Docker's, turned into
// what `-v` and `--tmpfs` say (the volumes plugin's and the confinement's specs), so both forms
// make the same mounts. Unlike `-v`, a bind's source must exist (Docker creates none for --mount).
import * as fs from 'node:fs';
import { MydockerError } from '../errors.js';

export type MountFlag = { volume: string } | { tmpfs: string };

const KEYS = new Set(['type', 'source', 'src', 'target', 'destination', 'dst', 'readonly', 'ro', 'tmpfs-size', 'tmpfs-mode', 'consistency', 'bind-propagation', 'volume-driver', 'volume-opt', 'volume-nocopy', 'bind-nonrecursive', 'volume-subpath']);
// Docker's keys mydocker has no mount for: refused by name rather than ignored.
const UNSUPPORTED = new Set(['bind-propagation', 'volume-driver', 'volume-opt', 'volume-nocopy', 'bind-nonrecursive', 'volume-subpath']);

export function parseMountFlag(spec: string, exists: (path: string) => boolean = fs.existsSync): MountFlag {
  const fail = (reason: string): never => {
    throw new MydockerError(`invalid argument "${spec}" for "--mount" flag: ${reason}`, { hint: 'type=bind|volume|tmpfs,source=SRC,target=DST[,readonly]' });
  };
  const fields = new Map<string, string | undefined>();
  for (const field of spec.split(',')) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    if (!KEYS.has(key)) fail(`unexpected key '${key}' in '${field}'`);
    if (UNSUPPORTED.has(key)) fail(`'${key}' is not supported by mydocker`);
    fields.set(key, eq < 0 ? undefined : field.slice(eq + 1));
  }
  const value = (...keys: string[]): string | undefined => {
    for (const key of keys) if (fields.has(key)) return fields.get(key) ?? fail(`'${key}' needs a value`);
    return undefined;
  };
  const type = value('type') ?? 'volume';
  const source = value('source', 'src');
  const target = value('target', 'destination', 'dst');
  const readonlyKey = fields.has('readonly') ? 'readonly' : fields.has('ro') ? 'ro' : undefined;
  let readonly = false;
  if (readonlyKey !== undefined) {
    const given = fields.get(readonlyKey);
    if (given === undefined || ['1', 'true'].includes(given.toLowerCase())) readonly = true;
    else if (!['0', 'false'].includes(given.toLowerCase())) fail(`invalid value for '${readonlyKey}': ${given}`);
  }
  if (target === undefined || target === '') fail('target is required');
  for (const path of [source, target]) if (path !== undefined && path.includes(':')) fail(`mydocker cannot mount a path with ':' in it (${path})`);
  const tmpfsOptions = ['tmpfs-size', 'tmpfs-mode'].filter((k) => fields.has(k));
  if (type !== 'tmpfs' && tmpfsOptions.length > 0) fail(`'${tmpfsOptions[0]}' is for type=tmpfs only`);
  const mode = readonly ? ':ro' : '';
  switch (type) {
    case 'bind':
      if (source === undefined || source === '') fail('source is required when specifying bind mount');
      if (!source!.startsWith('/')) fail(`the bind source "${source}" is not an absolute path`);
      if (!exists(source!)) fail(`bind source path does not exist: ${source}`);
      return { volume: `${source}:${target}${mode}` };
    case 'volume':
      if (source !== undefined && source.startsWith('/')) fail(`the volume name "${source}" is a path: use type=bind for a host path`);
      if (source === undefined || source === '') {
        if (readonly) fail('mydocker has no read-only anonymous volume: name the volume (source=NAME)');
        return { volume: target! };
      }
      return { volume: `${source}:${target}${mode}` };
    case 'tmpfs': {
      if (source !== undefined && source !== '') fail('source is not allowed for tmpfs mounts');
      const options = [readonly ? 'ro' : undefined, fields.has('tmpfs-size') ? `size=${value('tmpfs-size')}` : undefined, fields.has('tmpfs-mode') ? `mode=${value('tmpfs-mode')}` : undefined].filter((o) => o !== undefined);
      return { tmpfs: options.length > 0 ? `${target}:${options.join(',')}` : target! };
    }
    default:
      return fail(`mount type "${type}" is not supported (bind, volume or tmpfs)`);
  }
}
