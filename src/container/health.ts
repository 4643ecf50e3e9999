// Health checks as Docker defines them: the config (an image's `Healthcheck`, `run --health-*`),
// the state `inspect` shows (State.Health) and how a check's result moves it. Pure: the clock and
// the check's result are given, so the transitions are tested without waiting.
import { MydockerError } from '../errors.js';
import { formatDuration, parseDuration } from './duration.js';

/** Docker's HealthConfig: Test ["CMD-SHELL", cmd] | ["CMD", argv...] | ["NONE"]; durations in nanoseconds, 0 or absent: the default. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  /** Docker 25's interval between checks during the start period, while no check has passed yet. */
  StartInterval?: number;
  Retries?: number;
}

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health, kept in the container's directory as health.json. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

/** Docker's defaults (daemon/health.go). */
export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
export const DEFAULT_RETRIES = 3;
/** Docker 25's: checks every 5 s during a start period unless StartInterval says otherwise. */
export const DEFAULT_START_INTERVAL_NS = 5e9;
/** Docker keeps the last 5 results and 4 kB of each one's output. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_BYTES = 4096;
const MIN_DURATION_NS = 1e6;

/** `run`'s health flags as given. */
export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  retries?: number;
  none?: boolean;
}

/** A check's config with every default applied: what the shim and the checker use. */
export interface EffectiveHealth {
  argv: string[];
  intervalNs: number;
  timeoutNs: number;
  startPeriodNs: number;
  /** The interval while the start period lasts and no check has passed yet (see nextCheckDelayMs). */
  startIntervalNs: number;
  retries: number;
}

/**
 * The config a container runs with: the flags over the image's, field by field, as Docker merges
 * them; null when there is none or it is ["NONE"] (`--no-healthcheck`).
 */
export function resolveHealthConfig(flags: HealthFlags, image: HealthConfig | undefined): HealthConfig | null {
  const given = flags.cmd !== undefined || flags.interval !== undefined || flags.timeout !== undefined || flags.startPeriod !== undefined || flags.startInterval !== undefined || flags.retries !== undefined;
  if (flags.none) {
    if (given) throw new MydockerError('--no-healthcheck conflicts with --health-* options', { hint: 'drop one or the other' });
    return null;
  }
  const config: HealthConfig = { ...(image ?? {}) };
  if (flags.cmd !== undefined) config.Test = ['CMD-SHELL', flags.cmd];
  if (flags.interval !== undefined) config.Interval = flagDuration('--health-interval', flags.interval);
  if (flags.timeout !== undefined) config.Timeout = flagDuration('--health-timeout', flags.timeout);
  if (flags.startPeriod !== undefined) config.StartPeriod = flagDuration('--health-start-period', flags.startPeriod);
  if (flags.startInterval !== undefined) config.StartInterval = flagDuration('--health-start-interval', flags.startInterval);
  if (flags.retries !== undefined) {
    if (!Number.isInteger(flags.retries) || flags.retries < 0) throw new MydockerError(`invalid --health-retries "${flags.retries}"`, { hint: '--health-retries cannot be negative' });
    config.Retries = flags.retries;
  }
  const test = config.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return null;
  if (test[0] !== 'CMD' && test[0] !== 'CMD-SHELL') throw new MydockerError(`unknown health check type "${test[0]}"`, { hint: 'the image\'s Healthcheck.Test must start with CMD, CMD-SHELL or NONE' });
  if (test.length < 2) throw new MydockerError('the health check has no command', { hint: 'give one with --health-cmd' });
  return config;
}

function flagDuration(flag: string, text: string): number {
  const ns = parseDuration(text);
  if (ns === null) throw new MydockerError(`invalid ${flag} "${text}"`, { hint: 'a duration: 30s, 1m30s, 500ms' });
  if (ns !== 0 && ns < MIN_DURATION_NS) throw new MydockerError(`${flag} cannot be less than 1ms`);
  return ns;
}

export function effectiveHealth(config: HealthConfig): EffectiveHealth {
  const test = config.Test!;
  return {
    argv: test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test[1]!] : test.slice(1),
    intervalNs: positive(config.Interval) ?? DEFAULT_INTERVAL_NS,
    timeoutNs: positive(config.Timeout) ?? DEFAULT_TIMEOUT_NS,
    startPeriodNs: positive(config.StartPeriod) ?? 0,
    startIntervalNs: positive(config.StartInterval) ?? DEFAULT_START_INTERVAL_NS,
    retries: positive(config.Retries) ?? DEFAULT_RETRIES,
  };
}

function positive(n: number | undefined): number | undefined {
  return n !== undefined && n > 0 ? n : undefined;
}

export function initialHealth(): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: [] };
}

export interface CheckResult {
  start: Date;
  end: Date;
  /** 0 healthy; anything else a failure; -1: it did not finish in time. */
  exitCode: number;
  output: string;
}

/**
 * The state after one check, as Docker's handleProbeResult: a pass makes it healthy and resets the
 * streak; a failure adds to the streak (not while starting within the start period) and, at
 * `retries` failures in a row, makes it unhealthy.
 */
export function nextHealth(previous: HealthState, result: CheckResult, health: EffectiveHealth, startedAt: Date): HealthState {
  const Log = [...previous.Log, { Start: result.start.toISOString(), End: result.end.toISOString(), ExitCode: result.exitCode, Output: result.output }].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log };
  const inStartPeriod = previous.Status === 'starting' && health.startPeriodNs > 0 && (result.end.getTime() - startedAt.getTime()) * 1e6 < health.startPeriodNs;
  if (inStartPeriod) return { ...previous, Log };
  const FailingStreak = previous.FailingStreak + 1;
  return { Status: FailingStreak >= health.retries ? 'unhealthy' : previous.Status, FailingStreak, Log };
}

/**
 * How long after a check ended (or after the start, for the first) the next one begins, as Docker's
 * monitor (daemon/health.go, getInterval): the start interval while the start period lasts and the
 * status is still `starting` — no check has passed yet, the only way out of `starting` within the
 * period — and the interval otherwise. What the shim (shim/mydocker-shim.c) computes too.
 */
/** When a container's checks run (the shim's --health, or a foreground run's schedule), in milliseconds. */
export interface HealthCheckTimes {
  intervalMs: number;
  startIntervalMs: number;
  startPeriodMs: number;
  /** A check still running after this long is killed (its own timeout is enforced inside it). */
  limitMs: number;
}

export function nextCheckDelayMs(times: HealthCheckTimes, sinceStartMs: number, passedOnce: boolean): number {
  return !passedOnce && sinceStartMs < times.startPeriodMs ? times.startIntervalMs : times.intervalMs;
}

/** The Output Docker records for a check that ran out of time. */
export function timeoutOutput(timeoutNs: number): string {
  return `Health check exceeded timeout (${formatDuration(timeoutNs)})`;
}

/** A check's output as kept: at most 4 kB (Docker's limit). */
export function clipOutput(bytes: Buffer): string {
  return bytes.subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
}
