// `-P/--publish-all` as Docker's run does it: every port the image EXPOSEs and every `--expose` port
// published on a host port picked at random, unless a `-p` of the run already publishes it. Pure:
// run adds them to the `-p` specs the network plugin reads (as "80/tcp", a random host port).
import type { JsonValue } from '../../hooks/index.js';
import { exposedPorts, networkMode, publishedPorts, publishesAll } from '../../hooks/network-options.js';
import { parseExpose } from '../../hooks/ports.js';

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
