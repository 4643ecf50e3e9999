// A parsed Dockerfile as a build plan: the ARGs before the first FROM (usable in FROM lines), then
// the stages, each a FROM (`image [AS name]`) and its instructions, cut after --target. Everything
// that can be refused without building is refused here, with the line, before anything is made.
// Pure.
import { DockerfileError, type Dockerfile, type Instruction } from './dockerfile.js';
import { HEALTHCHECK_FLAGS, parseHealthcheck, parseTrigger } from './healthcheck.js';

export interface Stage {
  index: number;
  /** `AS name`, lower-cased (stage names are case-insensitive); null without. */
  name: string | null;
  /** The image reference as written (variables not yet substituted). */
  base: string;
  from: Instruction;
  steps: Instruction[];
}

export interface BuildPlan {
  metaArgs: Instruction[];
  stages: Stage[];
  /** Instructions counted by `Step N/M` (every one of the stages built, their FROMs and the meta ARGs included). */
  total: number;
}

/** Flags each instruction accepts. */
const FLAGS: Record<string, string[]> = { FROM: ['platform'], COPY: ['from', 'chown', 'chmod'], ADD: ['chown', 'chmod'], RUN: [], HEALTHCHECK: HEALTHCHECK_FLAGS };

export function planBuild(dockerfile: Dockerfile, target?: string): BuildPlan {
  const metaArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of dockerfile.instructions) {
    checkFlags(ins);
    if (ins.keyword === 'FROM') {
      stages.push(stageOf(ins, stages));
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new DockerfileError(ins.line, `${ins.keyword} before the first FROM: a Dockerfile must begin with FROM (or ARG)`);
      metaArgs.push(ins);
    } else {
      checkInstruction(ins, stages, dockerfile.escape);
      stages.at(-1)!.steps.push(ins);
    }
  }
  if (stages.length === 0) throw new DockerfileError(dockerfile.instructions.at(-1)?.line ?? 1, 'no FROM instruction: nothing to build');
  let built = stages;
  if (target !== undefined) {
    const index = stages.findIndex((s) => s.name === target.toLowerCase());
    if (index < 0) throw new DockerfileError(stages[0]!.from.line, `target stage "${target}" could not be found`);
    built = stages.slice(0, index + 1);
  }
  const total = metaArgs.length + built.reduce((sum, s) => sum + 1 + s.steps.length, 0);
  return { metaArgs, stages: built, total };
}

function stageOf(ins: Instruction, earlier: Stage[]): Stage {
  const words = ins.args.split(/\s+/);
  if (words.length !== 1 && !(words.length === 3 && words[1]!.toLowerCase() === 'as')) {
    throw new DockerfileError(ins.line, 'FROM requires either one or three arguments: FROM IMAGE [AS NAME]');
  }
  const name = words.length === 3 ? words[2]!.toLowerCase() : null;
  if (name !== null) {
    if (!/^[a-z][a-z0-9-_.]*$/.test(name)) throw new DockerfileError(ins.line, `invalid name for build stage: "${words[2]}", the name can't start with a number or contain symbols`);
    if (earlier.some((s) => s.name === name)) throw new DockerfileError(ins.line, `duplicate name for build stage: "${name}"`);
  }
  return { index: earlier.length, name, base: words[0]!, from: ins, steps: [] };
}

export function checkFlags(ins: Instruction): void {
  for (const flag of Object.keys(ins.flags)) {
    if (!(FLAGS[ins.keyword] ?? []).includes(flag)) throw new DockerfileError(ins.line, `unknown flag: --${flag} for ${ins.keyword}`);
  }
}

/**
 * An instruction of a stage, refused now if it can be: also an ONBUILD trigger, both when the
 * ONBUILD is written (its own Dockerfile) and when it runs (the child's build).
 */
export function checkInstruction(ins: Instruction, stages: Stage[], escape = '\\'): void {
  if (ins.keyword === 'HEALTHCHECK') parseHealthcheck(ins);
  if (ins.keyword === 'ONBUILD') {
    const trigger = parseTrigger(ins.args, ins.line, escape);
    checkFlags(trigger);
    // COPY --from in a trigger names a stage of the child's build: not known here.
    if (trigger.flags.from === undefined) checkInstruction(trigger, stages, escape);
  }
  if (ins.keyword === 'SHELL' && ins.json === null) throw new DockerfileError(ins.line, 'SHELL requires the arguments to be in JSON form: SHELL ["executable", "parameters"]');
  if (ins.keyword === 'SHELL' && ins.json!.length === 0) throw new DockerfileError(ins.line, 'SHELL requires at least one argument');
  if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && (ins.json?.length ?? 2) < 2) throw new DockerfileError(ins.line, `${ins.keyword} requires at least two arguments: SOURCE... DEST`);
  const from = ins.flags.from;
  if (from !== undefined) {
    const current = stages.at(-1)!;
    const named = stages.find((s) => s.name === from.toLowerCase());
    if (named === current || (/^\d+$/.test(from) && Number(from) >= current.index)) {
      throw new DockerfileError(ins.line, `COPY --from=${from}: a stage can only copy from an earlier stage`);
    }
  }
}
