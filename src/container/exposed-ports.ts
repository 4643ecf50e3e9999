// A container's exposed ports, as Docker keeps them in Config.ExposedPorts: its image's EXPOSE, its
// `--expose` and the container ports its `-p` publishes. And `-P/--publish-all` as Docker's run does
// it: every port the image EXPOSEs and every `--expose` port published on a host port picked at
// random, unless a `-p` of the run already publishes it. Pure: run adds them to the `-p` specs the
// network plugin reads (as "80/tcp", a random host port).
import type { JsonValue } from '../../hooks/index.js';
import { exposedPorts, networkMode, publishedPorts, publishesAll } from '../../hooks/network-options.js';
import { parseExpose } from '../../hooks/ports.js';

/** The image's EXPOSE keys as a run keeps them (the record's imageExposed); ill-formed ones are left out, as they cannot be published. */
export function imageExposedKeys(imageExposed: Record<string, unknown> | undefined): string[] {
  return Object.keys(imageExposed ?? {}).flatMap((key) => {
    try {
      return parseExpose(key, "the image's EXPOSE");
    } catch {
      return [];
    }
  });
}

/**
 * Config.ExposedPorts of a container: the image's, `--expose`'s and `-p`'s container ports, each once,
 * sorted by port then protocol. Options that no longer parse (a record from another version) add none.
 */
export function containerExposedPorts(imageExposed: readonly string[] | undefined, options: Readonly<Record<string, JsonValue>>): string[] {
  const keys = new Set(imageExposed ?? []);
  const tryAdd = (list: () => string[]): void => {
    try {
      for (const key of list()) keys.add(key);
    } catch {
      // not this version's form: nothing to add
    }
  };
  tryAdd(() => exposedPorts(options));
  tryAdd(() => publishedPorts(options).map((p) => `${p.containerPort}/${p.protocol}`));
  return [...keys].sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10) || a.localeCompare(b));
}

export function withPublishedExposed(options: Record<string, JsonValue>, imageExposed: Record<string, unknown> | undefined): Record<string, JsonValue> {
  if (!publishesAll(options)) return options;
  // On the host's network (or none) there is nothing to publish: Docker ignores -P there too.
  const mode = networkMode(options).kind;
  if (mode === 'host' || mode === 'none') return options;
  const wanted = [...Object.keys(imageExposed ?? {}).flatMap((key) => parseExpose(key, "the image's EXPOSE")), ...exposedPorts(options)];
  const given = new Set(publishedPorts(options).map((p) => `${p.containerPort}/${p.protocol}`));
  const added = [...new Set(wanted)].filter((key) => !given.has(key));
  if (added.length === 0) return options;
  return { ...options, publish: [...(Array.isArray(options.publish) ? options.publish : []), ...added] };
}
