// `build`: an image from a Dockerfile, one step at a time, as Docker's classic builder makes it:
// every step yields an image (the next step's parent), a step that changes files yields a layer
// (RUN: a real container of this runtime, committed; COPY/ADD/WORKDIR: a staged directory), the
// others only a config with an empty-layer history line. Each step is first looked up in the
// build cache (cache.ts) by its parent, its text as it runs and, for COPY/ADD, the digest of the
// files copied: a hit takes the recorded image and does nothing else. A failing step leaves no
// container, layer or staging directory of its own; the images of earlier steps stay, as the cache
// (Docker's intermediate images). Library code: progress is reported through `onProgress`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageConfig, ImageRecord } from '../image/store.js';
import type { RuntimeInternals } from '../runtime/internals.js';
import { isStateFileError } from '../../hooks/state-file.js';
import { BuildError } from './build-error.js';
import { MydockerError } from '../errors.js';
import { cacheKey } from './cache-key.js';
import { cachedImage, forgetCached, recordCached } from './cache.js';
import { DockerfileError, parseDockerfile, type Instruction } from './dockerfile.js';
import { IgnoreRules } from './dockerignore.js';
import { checkFlags, checkInstruction, planBuild, type BuildPlan, type Stage } from './plan.js';
import { parseTrigger } from './healthcheck.js';
import { applyMetadata, commandOf, nopCreatedBy } from './metadata.js';
import { processWord, processWords, splitRaw, SubstitutionError } from './substitute.js';
import { ContextTree, ImageTree, expandSources, type SourceTree } from './sources.js';
import { digestSources } from './copy.js';

export interface BuildOptions {
  /** The build context: a directory. */
  context: string;
  /** The Dockerfile; default CONTEXT/Dockerfile. */
  dockerfile?: string;
  /** Names given to the result (`-t`), NAME[:TAG]. */
  tags?: string[];
  /** `--build-arg K=V`. */
  buildArgs?: Record<string, string>;
  /** Run every step, even those the cache has. */
  noCache?: boolean;
  /** Build up to this stage (its name), not the last. */
  target?: string;
  /** The network of RUN's containers: "bridge" (default, as Docker's), "none", "host" or a network's name. */
  network?: string;
  /** Stops the build: the running step's container is killed, and nothing of the step is left. */
  signal?: AbortSignal;
  onProgress?: (event: BuildEvent) => void;
}

export type BuildEvent =
  | { type: 'step'; step: number; total: number; instruction: string }
  | { type: 'cached' }
  | { type: 'running'; container: string }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: Buffer }
  | { type: 'removed'; container: string }
  | { type: 'image'; id: string }
  /** The base image's ONBUILD triggers are about to run, before the stage's own steps. */
  | { type: 'triggers'; count: number }
  | { type: 'warning'; message: string };

export interface BuildResult {
  id: string;
  tags: string[];
}

/** The state of the stage being built: its image so far (null: scratch, nothing yet) and its ARGs in scope. */
interface StageState {
  image: ImageRecord | null;
  args: Map<string, string | undefined>;
}

export async function build(rt: RuntimeInternals, options: BuildOptions): Promise<BuildResult> {
  const { normalizeRef } = await import('../image/store.js');
  const tags = (options.tags ?? []).map((t) => normalizeRef(t)); // refused before anything is made
  const context = contextDir(options.context);
  const dockerfilePath = options.dockerfile === undefined ? path.join(context, 'Dockerfile') : path.resolve(options.dockerfile);
  let text: string;
  try {
    text = fs.readFileSync(dockerfilePath, 'utf8');
  } catch {
    throw new BuildError(`cannot read the Dockerfile ${dockerfilePath}`, { hint: 'give its path with -f' });
  }
  const dockerfile = parseDockerfile(text);
  const plan = planBuild(dockerfile, options.target);
  const ignoreFile = path.join(context, '.dockerignore');
  const ignore = new IgnoreRules(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  const builder = new Builder(rt, options, plan, dockerfile.escape, new ContextTree(context, ignore));
  const image = await builder.run();
  for (const tag of tags) rt.images.tagImage(image.id, tag);
  return { id: image.id, tags };
}

function contextDir(dir: string): string {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new BuildError(`unable to prepare context: "${dir}" is not a directory`);
  return fs.realpathSync(dir);
}

class Builder {
  private step = 0;
  private readonly results: Array<ImageRecord | null> = [];
  private readonly metaArgs = new Map<string, string | undefined>();
  private readonly usedArgs = new Set<string>();

  constructor(
    private readonly rt: RuntimeInternals,
    private readonly options: BuildOptions,
    private readonly plan: BuildPlan,
    private readonly escape: string,
    private readonly context: SourceTree,
  ) {}

  private emit(event: BuildEvent): void {
    this.options.onProgress?.(event);
  }

  async run(): Promise<ImageRecord> {
    for (const ins of this.plan.metaArgs) {
      this.begin(ins);
      this.declareArgs(ins, this.metaArgs, this.metaArgs);
    }
    for (const stage of this.plan.stages) this.results.push(await this.buildStage(stage));
    const unused = Object.keys(this.options.buildArgs ?? {}).filter((k) => !this.usedArgs.has(k) && !PREDEFINED_ARGS.has(k));
    if (unused.length > 0) this.emit({ type: 'warning', message: `One or more build-args [${unused.join(' ')}] were not consumed` });
    const final = this.results.at(-1);
    if (!final) throw new BuildError('no image was generated: the last stage is FROM scratch with nothing in it');
    return final;
  }

  private begin(ins: Instruction): void {
    if (this.options.signal?.aborted) throw new BuildError('the build was interrupted');
    this.emit({ type: 'step', step: ++this.step, total: this.plan.total, instruction: ins.original });
  }

  private async buildStage(stage: Stage): Promise<ImageRecord | null> {
    this.begin(stage.from);
    const base = await this.baseImage(stage);
    const triggers = base?.config.OnBuild ?? [];
    // Docker: a base image's triggers run in this build only; the images made here do not keep them.
    const state: StageState = { image: base && triggers.length > 0 ? { ...base, config: withoutOnBuild(base.config) } : base, args: new Map() };
    if (state.image) this.emit({ type: 'image', id: state.image.id });
    if (triggers.length > 0) this.emit({ type: 'triggers', count: triggers.length });
    for (const text of triggers) {
      const trigger = parseTrigger(text, stage.from.line, this.escape);
      checkFlags(trigger);
      checkInstruction(trigger, this.plan.stages.slice(0, stage.index + 1), this.escape);
      try {
        await this.runStep(trigger, state);
      } catch (error) {
        throw atLine(trigger, error);
      }
      if (state.image) this.emit({ type: 'image', id: state.image.id });
    }
    for (const ins of stage.steps) {
      this.begin(ins);
      try {
        await this.runStep(ins, state);
      } catch (error) {
        throw atLine(ins, error);
      }
      if (state.image) this.emit({ type: 'image', id: state.image.id });
    }
    return state.image;
  }

  private async baseImage(stage: Stage): Promise<ImageRecord | null> {
    const ref = this.word(stage.from, stage.base, varsOf(this.metaArgs, null));
    if (ref === 'scratch') return null;
    const earlier = this.plan.stages.findIndex((s) => s.name === ref.toLowerCase());
    if (earlier >= 0 && earlier < stage.index) return this.results[earlier]!;
    return this.findImage(ref, stage.from);
  }

  private async findImage(ref: string, ins: Instruction): Promise<ImageRecord> {
    const { normalizeRef } = await import('../image/store.js');
    let found: ImageRecord | null;
    try {
      found = this.rt.images.find(ref);
      if (!found && normalizeRef(ref) === 'busybox:latest') {
        const { buildBusyboxImage } = await import('../image/busybox.js');
        found = await buildBusyboxImage(this.rt.root, this.rt.images);
      }
    } catch (error) {
      throw atLine(ins, error);
    }
    if (!found) throw new DockerfileError(ins.line, `unable to find image "${ref}" (import, load or pull it first)`);
    return found;
  }

  private word(ins: Instruction, text: string, vars: ReadonlyMap<string, string>): string {
    try {
      return processWord(text, vars, this.escape);
    } catch (error) {
      throw atLine(ins, error);
    }
  }

  /** ARG NAME[=default]...: a --build-arg wins, then the default, then (re-declared in a stage) the meta ARG's value. */
  private declareArgs(ins: Instruction, into: Map<string, string | undefined>, scope: Map<string, string | undefined>): void {
    const vars = varsOf(scope, null);
    let words: string[];
    try {
      words = splitRaw(ins.args, this.escape); // ARG A="x y": the quotes keep one word
    } catch (error) {
      throw atLine(ins, error);
    }
    for (const word of words) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word : word.slice(0, eq);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new DockerfileError(ins.line, `invalid ARG name "${name}"`);
      this.usedArgs.add(name);
      const given = this.options.buildArgs?.[name];
      const fallback = eq < 0 ? (into === this.metaArgs ? undefined : this.metaArgs.get(name)) : this.word(ins, word.slice(eq + 1), vars);
      into.set(name, given ?? fallback);
    }
  }

  private async runStep(ins: Instruction, state: StageState): Promise<void> {
    const config: ImageConfig = state.image?.config ?? {};
    const vars = varsOf(state.args, config);
    switch (ins.keyword) {
      case 'ARG':
        this.declareArgs(ins, state.args, state.args);
        return;
      case 'RUN':
        return this.cachedStep(state, runText(ins, state, config), undefined, async () => (await import('./run-step.js')).runStep(this.rt, this.runContext(state, ins, config)));
      case 'COPY':
      case 'ADD':
        return this.copyStep(ins, state, vars);
      default: {
        const applied = applyMetadata(ins, config, vars, this.escape);
        return this.cachedStep(state, applied.text, undefined, async () => {
          if (ins.keyword === 'WORKDIR') return (await import('./workdir-step.js')).workdirStep(this.rt, state.image, applied.config, applied.text);
          return this.rt.images.addConfigImage({ parent: state.image, config: applied.config, createdBy: nopCreatedBy(applied.text) });
        });
      }
    }
  }

  private runContext(state: StageState, ins: Instruction, config: ImageConfig): import('./run-step.js').RunContext {
    if (!state.image) throw new DockerfileError(ins.line, 'RUN in a stage with no files yet (FROM scratch): there is nothing to run it with');
    return {
      parent: state.image,
      argv: commandOf(ins, config),
      createdBy: runText(ins, state, config),
      env: argEnv(state, config, this.options.buildArgs),
      network: this.options.network ?? 'bridge',
      signal: this.options.signal,
      emit: (event) => this.emit(event),
    };
  }

  private async copyStep(ins: Instruction, state: StageState, vars: ReadonlyMap<string, string>): Promise<void> {
    const words = ins.json ? ins.json.map((w) => this.word(ins, w, vars)) : processWords(ins.args, vars, this.escape);
    if (words.length < 2) throw new DockerfileError(ins.line, `${ins.keyword} requires at least two arguments: SOURCE... DEST`);
    const sources = words.slice(0, -1);
    if (ins.keyword === 'ADD') {
      const url = sources.find((s) => /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@'));
      if (url) throw new DockerfileError(ins.line, `ADD of a URL (${url}) is not supported: builds have no network here (download it into the context and COPY it)`);
    }
    const from = ins.flags.from === undefined ? null : this.word(ins, ins.flags.from, vars);
    const tree = from === null ? this.context : await this.stageTree(from, ins);
    const expanded = expandSources(tree, sources, ins.keyword);
    const digest = digestSources({ tree, sources: expanded });
    const flags = Object.entries(ins.flags).map(([k, v]) => `--${k}=${this.word(ins, v, vars)} `).join('');
    const text = `${ins.keyword} ${flags}${words.join(' ')}`;
    const dest = destination(words.at(-1)!, state.image?.config.WorkingDir);
    await this.cachedStep(state, text, digest, async () =>
      (await import('./copy-step.js')).copyStep(this.rt, {
        keyword: ins.keyword as 'COPY' | 'ADD',
        parent: state.image,
        tree,
        sources: expanded,
        dest,
        chown: ins.flags.chown === undefined ? null : this.word(ins, ins.flags.chown, vars),
        chmod: ins.flags.chmod === undefined ? null : this.word(ins, ins.flags.chmod, vars),
        createdBy: nopCreatedBy(`${ins.keyword} ${expanded.length > 1 ? 'multi' : expanded[0]!.stat.isDirectory() ? 'dir' : 'file'}:${digest} in ${dest} `),
      }),
    );
  }

  /** COPY --from: an earlier stage (by name or index), else an image of the store. */
  private async stageTree(from: string, ins: Instruction): Promise<SourceTree> {
    const byName = this.plan.stages.findIndex((s) => s.name === from.toLowerCase());
    const index = byName >= 0 ? byName : /^\d+$/.test(from) ? Number(from) : -1;
    const image = index >= 0 && index < this.results.length ? this.results[index]! : index >= 0 ? null : await this.findImage(from, ins);
    if (index >= this.results.length) throw new DockerfileError(ins.line, `COPY --from=${from}: no such stage before this one`);
    const { LayeredTree } = await import('./layered-tree.js');
    const layers = (image?.layers ?? []).map((l) => this.rt.images.layerDir(l));
    // koffi is loaded only if a directory is in more than one layer (LayeredTree asks only then).
    return new ImageTree(`stage ${from}`, new LayeredTree(layers, (dir) => this.rt.kernel.getxattr(dir, 'trusted.overlay.opaque') === 'y'));
  }

  /** A step through the cache: the image recorded for its key, or `make`'s, then recorded. */
  private async cachedStep(state: StageState, text: string, content: string | undefined, make: () => Promise<ImageRecord>): Promise<void> {
    const key = cacheKey({ parent: state.image?.id ?? null, instruction: text, content });
    const hit = this.options.noCache ? null : this.cached(key);
    if (hit) {
      this.emit({ type: 'cached' });
      state.image = hit;
      return;
    }
    state.image = await make();
    recordCached(this.rt.root.dir, key, state.image.id);
  }

  /** The image of a cache entry, or null: none, a damaged entry, or its image gone (each then made again). */
  private cached(key: string): ImageRecord | null {
    let id: string | null;
    try {
      id = cachedImage(this.rt.root.dir, key);
    } catch (error) {
      if (!isStateFileError(error)) throw error;
      id = null;
    }
    if (id === null) return null;
    let image: ImageRecord | null = null;
    try {
      image = this.rt.images.find(id);
    } catch (error) {
      if (!isStateFileError(error)) throw error;
    }
    if (!image) forgetCached(this.rt.root.dir, key);
    return image;
  }
}

function withoutOnBuild(config: ImageConfig): ImageConfig {
  const rest = { ...config };
  delete rest.OnBuild;
  return rest;
}

/** The variables of a step: the ARGs in scope that have a value, the image's ENV over them. */
function varsOf(args: Map<string, string | undefined>, config: ImageConfig | null): Map<string, string> {
  const vars = new Map<string, string>();
  for (const [k, v] of args) if (v !== undefined) vars.set(k, v);
  for (const entry of config?.Env ?? []) {
    const eq = entry.indexOf('=');
    if (eq > 0) vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return vars;
}

/**
 * Docker's predefined ARGs: given with --build-arg, RUN sees them without an ARG line, and they are
 * left out of the history and the cache key (a proxy is the machine's, not the image's).
 */
export const PREDEFINED_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

/** The ARGs a RUN sees in its environment (those ENV does not set), `K=V`; with `predefined`, the proxies given too. */
function argEnv(state: StageState, config: ImageConfig, predefined: Record<string, string> = {}): string[] {
  const env = new Set((config.Env ?? []).map((e) => e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('='))));
  const declared = [...state.args].filter(([k, v]) => v !== undefined && !env.has(k));
  const proxies = Object.entries(predefined).filter(([k]) => PREDEFINED_ARGS.has(k) && !state.args.has(k) && !env.has(k));
  return [...declared, ...proxies].map(([k, v]) => `${k}=${v}`);
}

/** RUN as Docker's history writes it: `|1 K=V /bin/sh -c cmd` (the ARGs it saw first, proxies left out). */
function runText(ins: Instruction, state: StageState, config: ImageConfig): string {
  const args = argEnv(state, config).filter((a) => !PREDEFINED_ARGS.has(a.slice(0, a.indexOf('='))));
  return `${args.length > 0 ? `|${args.length} ${args.join(' ')} ` : ''}${commandOf(ins, config).join(' ')}`;
}

/** COPY's destination, absolute: relative to WORKDIR; `.` and a trailing '/' mean a directory. */
function destination(dest: string, workdir: string | undefined): string {
  const dir = dest === '.' || dest.endsWith('/') || dest.endsWith('/.');
  const absolute = path.posix.resolve(workdir ?? '/', dest);
  return dir && !absolute.endsWith('/') ? `${absolute}/` : absolute;
}

/**
 * A failure inside a step, named by the step's line unless it says so already; a RUN's own failure
 * keeps Docker's words (`The command '...' returned a non-zero code: N`), and what is not the
 * Dockerfile's fault (a plugin's error, a full disk) keeps its message and code.
 */
function atLine(ins: Instruction, error: unknown): unknown {
  if (error instanceof DockerfileError) return error;
  if (error instanceof SubstitutionError) return new DockerfileError(ins.line, error.message);
  if (ins.keyword === 'RUN') return error;
  // Ours (BuildError) or the runtime's plain refusals (an unknown --chown user); the cause is kept,
  // so that a full disk is still reported as such.
  if (error instanceof BuildError || (error instanceof MydockerError && error.constructor === MydockerError && error.exitCode === 125)) {
    const failed = ins.keyword === 'COPY' || ins.keyword === 'ADD' ? `${ins.keyword} failed: ` : '';
    return new DockerfileError(ins.line, `${failed}${error.message.replace(/^(COPY|ADD) failed: /, '')}${error.hint ? ` (${error.hint})` : ''}`, error);
  }
  return error;
}
