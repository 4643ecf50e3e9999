// The instructions that change only the image's config (ENV, LABEL, EXPOSE, VOLUME, USER,
// WORKDIR, CMD, ENTRYPOINT, SHELL, STOPSIGNAL, MAINTAINER, HEALTHCHECK, ONBUILD), applied as Docker applies them, with
// the text of the step as it ran (variables substituted) for the cache key and the history line
// (`/bin/sh -c #(nop) ENV A=1`). Pure.
import * as path from 'node:path';
import type { ImageConfig } from '../image/store.js';
import { DockerfileError, type Instruction } from './dockerfile.js';
import { parseSignal } from '../container/signals.js';
import { processWord, processWords, splitRaw, type Vars } from './substitute.js';
import { healthcheckText, parseHealthcheck, parseTrigger } from './healthcheck.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

export interface Applied {
  config: ImageConfig;
  /** The step as it ran: `ENV A=1`, `CMD ["sh"]`. */
  text: string;
}

/** Docker's history line of a step that made no layer. */
export function nopCreatedBy(text: string): string {
  return `/bin/sh -c #(nop) ${text}`;
}

export function applyMetadata(ins: Instruction, config: ImageConfig, vars: Vars, escape: string): Applied {
  const word = (text: string): string => processWord(text, vars, escape);
  switch (ins.keyword) {
    case 'ENV': {
      const pairs = nameValues(ins, vars, escape);
      const env = new Map((config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e]));
      for (const [k, v] of pairs) env.set(k, `${k}=${v}`);
      return { config: { ...config, Env: [...env.values()] }, text: `ENV ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'LABEL': {
      const pairs = nameValues(ins, vars, escape);
      const labels = { ...(config.Labels ?? {}) };
      for (const [k, v] of pairs) labels[k] = v;
      return { config: { ...config, Labels: labels }, text: `LABEL ${pairs.map(([k, v]) => `${k}=${v}`).join(' ')}` };
    }
    case 'EXPOSE': {
      const ports = processWords(ins.args, vars, escape).flatMap((p) => exposedPorts(ins, p));
      const exposed = { ...(config.ExposedPorts ?? {}) };
      for (const p of ports) exposed[p] = {};
      return { config: { ...config, ExposedPorts: exposed }, text: `EXPOSE ${ports.join(' ')}` };
    }
    case 'VOLUME': {
      const paths = ins.json ?? processWords(ins.args, vars, escape);
      if (paths.length === 0 || paths.some((p) => p.trim() === '')) throw new DockerfileError(ins.line, 'VOLUME specified can not be an empty string');
      const volumes = { ...(config.Volumes ?? {}) };
      for (const p of paths) volumes[p] = {};
      return { config: { ...config, Volumes: volumes }, text: `VOLUME ${JSON.stringify(paths)}` };
    }
    case 'USER': {
      const user = word(ins.args);
      if (user === '') throw new DockerfileError(ins.line, 'USER requires a user name or ID');
      return { config: { ...config, User: user }, text: `USER ${user}` };
    }
    case 'WORKDIR': {
      const dir = word(ins.args);
      const workdir = path.posix.resolve(config.WorkingDir ?? '/', dir);
      return { config: { ...config, WorkingDir: workdir }, text: `WORKDIR ${workdir}` };
    }
    case 'CMD': {
      const cmd = commandOf(ins, config);
      return { config: { ...config, Cmd: cmd }, text: `CMD ${JSON.stringify(cmd)}` };
    }
    case 'ENTRYPOINT': {
      const entrypoint = commandOf(ins, config);
      // Docker: a new ENTRYPOINT drops the Cmd the base image had.
      return { config: { ...config, Entrypoint: entrypoint, Cmd: undefined }, text: `ENTRYPOINT ${JSON.stringify(entrypoint)}` };
    }
    case 'SHELL':
      return { config: { ...config, Shell: ins.json! }, text: `SHELL ${JSON.stringify(ins.json)}` };
    case 'STOPSIGNAL': {
      const signal = word(ins.args);
      try {
        parseSignal(signal); // checked now: `run` of the image reads it
      } catch {
        throw new DockerfileError(ins.line, `invalid STOPSIGNAL "${signal}": a signal name or number, e.g. SIGQUIT`);
      }
      return { config: { ...config, StopSignal: signal }, text: `STOPSIGNAL ${signal}` };
    }
    case 'HEALTHCHECK': {
      const healthcheck = parseHealthcheck(ins);
      return { config: { ...config, Healthcheck: healthcheck }, text: healthcheckText(healthcheck) };
    }
    case 'ONBUILD': {
      // Checked again here (a trigger that cannot run is refused in the image that keeps it); kept as written.
      const trigger = parseTrigger(ins.args, ins.line, escape).original;
      return { config: { ...config, OnBuild: [...(config.OnBuild ?? []), trigger] }, text: `ONBUILD ${trigger}` };
    }
    case 'MAINTAINER':
      return { config, text: `MAINTAINER ${word(ins.args)}` };
    default:
      throw new DockerfileError(ins.line, `${ins.keyword} is not a metadata instruction`);
  }
}

/** The argv of CMD, ENTRYPOINT and RUN: the exec form as written, the shell form through the image's SHELL. */
export function commandOf(ins: Instruction, config: ImageConfig): string[] {
  return ins.json ?? [...(config.Shell ?? DEFAULT_SHELL), ins.args];
}

/** ENV and LABEL: `k=v k2="v 2"`, or the old `k value with spaces`. */
function nameValues(ins: Instruction, vars: Vars, escape: string): Array<[string, string]> {
  const words = splitRaw(ins.args, escape);
  if (words.length > 0 && !words[0]!.includes('=')) {
    // The old form: one name, the rest of the line its value.
    const rest = ins.args.slice(ins.args.indexOf(words[0]!) + words[0]!.length).trim();
    if (ins.keyword === 'ENV' && rest === '') throw new DockerfileError(ins.line, 'ENV must have two arguments: ENV NAME VALUE, or ENV NAME=VALUE');
    return [[processWord(words[0]!, vars, escape), processWord(rest, vars, escape)]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw new DockerfileError(ins.line, `${ins.keyword} names can not be blank: "${w}" needs =VALUE`);
    const key = processWord(w.slice(0, eq), vars, escape);
    if (key === '') throw new DockerfileError(ins.line, `${ins.keyword} names can not be blank`);
    return [key, processWord(w.slice(eq + 1), vars, escape)];
  });
}

/** `80`, `53/udp`, or a range `8000-8002/tcp` (each port of it), as `PORT/PROTO`. */
function exposedPorts(ins: Instruction, port: string): string[] {
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(port);
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || first < 1 || last > 65535 || last < first) throw new DockerfileError(ins.line, `invalid port to EXPOSE: "${port}" (PORT[-PORT][/tcp|udp|sctp])`);
  const proto = (match[3] ?? 'tcp').toLowerCase();
  return Array.from({ length: last - first + 1 }, (_, i) => `${first + i}/${proto}`);
}
