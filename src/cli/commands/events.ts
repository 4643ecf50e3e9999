// `mydocker events [--since T] [--until T] [-f KEY=VALUE]... [--format json|TEMPLATE]`: what happened
// to containers (create, start, die, kill, stop, rename, destroy), as Docker's events: past ones from
// --since, then new ones as they happen, until --until or Ctrl-C. Filters: container (name or ID
// prefix), event, image, label (KEY or KEY=VALUE), type; values of one key are alternatives.
import { cliRuntime } from '../runtime.js';
import { lastValue, toArray } from '../argv.js';
import { parseLogTime } from '../../container/log-time.js';
import { chooseFormat, renderTemplate } from '../template-output.js';
import { formatEvent, type RuntimeEvent } from '../../runtime/events.js';
import { MydockerError } from '../../errors.js';
import { CLOSED_PIPE_EXIT, isClosedPipe } from '../closed-pipe.js';

const KEYS = ['container', 'event', 'image', 'label', 'type'];

export default async function events(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const sinceText = lastValue(options.since);
  const untilText = lastValue(options.until);
  const query = {
    ...(sinceText !== undefined ? { since: parseLogTime(sinceText, '--since') } : {}),
    ...(untilText !== undefined ? { until: parseLogTime(untilText, '--until') } : {}),
  };
  const filters = parseFilters(toArray(options.filter));
  const format = lastValue(options.format);
  const choice = format === undefined ? undefined : chooseFormat(format);
  if (choice?.kind === 'table') throw new MydockerError('events has no table format', { hint: "use json or a template, e.g. --format '{{.Action}} {{.Actor.Attributes.name}}'" });
  const runtime = await cliRuntime(options);
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  let readerLeft = false;
  process.stdout.on('error', (error: unknown) => {
    if (!isClosedPipe(error)) throw error;
    readerLeft = true;
  });
  for await (const e of await runtime.events(query)) {
    if (stop || readerLeft) break;
    if (!filters.every(([key, values]) => values.some((v) => matches(e, key, v)))) continue;
    const shown = { status: e.Action, id: e.Actor.ID, from: e.Actor.Attributes.image ?? '', ...e, scope: 'local' };
    if (choice === undefined) process.stdout.write(`${formatEvent(e)}\n`);
    else if (choice.kind === 'json') process.stdout.write(`${JSON.stringify(shown)}\n`);
    else process.stdout.write(renderTemplate({ table: false, source: choice.source }, [shown], {}));
  }
  return readerLeft ? CLOSED_PIPE_EXIT : 0;
}

function parseFilters(given: string[]): Array<[string, string[]]> {
  const out = new Map<string, string[]>();
  for (const filter of given) {
    const eq = filter.indexOf('=');
    const key = filter.slice(0, Math.max(eq, 0));
    if (eq <= 0 || !KEYS.includes(key)) throw new MydockerError(`invalid filter '${filter}'`, { exitCode: 1, hint: `filters are ${KEYS.join(', ')} (KEY=VALUE)` });
    out.set(key, [...(out.get(key) ?? []), filter.slice(eq + 1)]);
  }
  return [...out];
}

function matches(e: RuntimeEvent, key: string, value: string): boolean {
  const a = e.Actor.Attributes;
  switch (key) {
    case 'container':
      return a.name === value || (value.length > 0 && e.Actor.ID.startsWith(value));
    case 'event':
      return e.Action === value;
    case 'image':
      return a.image === value || (!value.includes(':') && a.image === `${value}:latest`) || a.image?.replace(/:latest$/, '') === value;
    case 'label': {
      const eq = value.indexOf('=');
      return eq < 0 ? Object.hasOwn(a, value) : a[value.slice(0, eq)] === value.slice(eq + 1);
    }
    default:
      return e.Type === value;
  }
}
