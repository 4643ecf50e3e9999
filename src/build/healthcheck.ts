// HEALTHCHECK and ONBUILD, read as Docker's builder reads them. HEALTHCHECK [--interval=D]
// [--timeout=D] [--start-period=D] [--start-interval=D] [--retries=N] CMD command | NONE becomes the
// config's Healthcheck (Test ["CMD-SHELL", cmd] for the shell form, ["CMD", ...] for the exec form,
// ["NONE"]); no variables are substituted in it, as in Docker. ONBUILD INSTRUCTION is kept as
// written, to be run first by a build FROM the image; an ONBUILD, FROM or MAINTAINER trigger is
// refused, as Docker refuses it. Pure.
import type { HealthConfig } from '../container/health.js';
import { formatDuration, parseDuration } from '../container/duration.js';
import { DockerfileError, parseDockerfile, type Instruction } from './dockerfile.js';

export const HEALTHCHECK_FLAGS = ['interval', 'timeout', 'start-period', 'start-interval', 'retries'];

export function parseHealthcheck(ins: Instruction): HealthConfig {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(ins.args);
  if (!match) throw new DockerfileError(ins.line, 'HEALTHCHECK requires an argument: CMD command, or NONE');
  const type = match[1]!.toUpperCase();
  const rest = match[2]!.trim();
  if (type === 'NONE') {
    if (rest !== '' || Object.keys(ins.flags).length > 0) throw new DockerfileError(ins.line, 'HEALTHCHECK NONE takes no arguments');
    return { Test: ['NONE'] };
  }
  if (type !== 'CMD') throw new DockerfileError(ins.line, `Unknown type "${match[1]}" in HEALTHCHECK (try CMD)`);
  if (rest === '') throw new DockerfileError(ins.line, 'Missing command after HEALTHCHECK CMD');
  const exec = jsonStrings(rest);
  const config: HealthConfig = { Test: exec ? ['CMD', ...exec] : ['CMD-SHELL', rest] };
  const durations: Array<[string, 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval']> = [['interval', 'Interval'], ['timeout', 'Timeout'], ['start-period', 'StartPeriod'], ['start-interval', 'StartInterval']];
  for (const [flag, field] of durations) {
    const given = ins.flags[flag];
    if (given === undefined) continue;
    const ns = parseDuration(given);
    if (ns === null) throw new DockerfileError(ins.line, `HEALTHCHECK --${flag}: invalid duration "${given}" (e.g. 30s, 1m30s)`);
    if (ns < 0) throw new DockerfileError(ins.line, `HEALTHCHECK --${flag} cannot be negative`);
    if (ns > 0 && ns < 1e6) throw new DockerfileError(ins.line, `HEALTHCHECK --${flag} cannot be less than 1ms`);
    if (ns > 0) config[field] = ns;
  }
  const retries = ins.flags.retries;
  if (retries !== undefined) {
    if (!/^-?\d+$/.test(retries)) throw new DockerfileError(ins.line, `HEALTHCHECK --retries: invalid number "${retries}"`);
    if (Number(retries) < 0) throw new DockerfileError(ins.line, 'HEALTHCHECK --retries cannot be negative');
    if (Number(retries) > 0) config.Retries = Number(retries);
  }
  return config;
}

/** The history text of a HEALTHCHECK step, close to Docker's (`HEALTHCHECK &{["CMD-SHELL" "x"] "30s" ...}`). */
export function healthcheckText(config: HealthConfig): string {
  const test = (config.Test ?? []).map((t) => JSON.stringify(t)).join(' ');
  const d = (ns: number | undefined): string => JSON.stringify(formatDuration(ns ?? 0));
  return `HEALTHCHECK &{[${test}] ${d(config.Interval)} ${d(config.Timeout)} ${d(config.StartPeriod)} ${config.Retries ?? 0}}`;
}

function jsonStrings(text: string): string[] | null {
  if (!text.startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

const NOT_TRIGGERS: Record<string, string> = {
  ONBUILD: 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed',
  FROM: 'FROM isn\'t allowed as an ONBUILD trigger',
  MAINTAINER: 'MAINTAINER isn\'t allowed as an ONBUILD trigger',
};

/** The trigger of `ONBUILD INSTRUCTION`, as an instruction of the given line; refused as Docker refuses it. */
export function parseTrigger(text: string, line: number, escape = '\\'): Instruction {
  let parsed: Instruction[];
  try {
    parsed = parseDockerfile(`# escape=${escape}\n${text}`).instructions;
  } catch (error) {
    if (error instanceof DockerfileError) throw new DockerfileError(line, error.message.replace(/^Dockerfile line \d+: /, ''));
    throw error;
  }
  const trigger = parsed[0];
  if (!trigger || parsed.length !== 1) throw new DockerfileError(line, 'ONBUILD needs one instruction');
  const refused = NOT_TRIGGERS[trigger.keyword];
  if (refused) throw new DockerfileError(line, refused);
  return { ...trigger, line };
}
