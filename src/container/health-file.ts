// A container's health state (State.Health), kept beside its record as
// <root>/containers/<id>/health.json, not in it: the checker writes it every interval and must never
// race a command that rewrites the record (stop, rename). Written whole by rename, so a reader sees
// one state or the other; checked when read.
import * as path from 'node:path';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { integer, listOf, object, oneOf, readStateFileIfExists, string, type Check } from '../../hooks/state-file.js';
import type { HealthState } from './health.js';

const FILE = 'health.json';

const healthCheck = object({
  Status: oneOf('starting', 'healthy', 'unhealthy'),
  FailingStreak: integer,
  Log: listOf(object({ Start: string, End: string, ExitCode: integer, Output: string })),
}) as Check<HealthState>;

export function healthFile(stateDir: string): string {
  return path.join(stateDir, FILE);
}

/** The state, or null when there is none (never checked yet on this start, or no health check). */
export function readHealth(stateDir: string): HealthState | null {
  return readStateFileIfExists(healthFile(stateDir), healthCheck) ?? null;
}

export function writeHealth(stateDir: string, state: HealthState): void {
  writeJsonAtomic(healthFile(stateDir), state);
}
