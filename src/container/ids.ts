// Container IDs (64 hex characters, shown as 12) and generated names (Docker's adjective_surname).
import * as fs from 'node:fs';

/** Random bytes from the kernel; node:crypto would cost every command ~4 ms to load. */
function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    fs.readSync(fd, buf, 0, n, null);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

const ADJECTIVES = ['brave', 'calm', 'eager', 'fervent', 'gifted', 'happy', 'jolly', 'keen', 'lucid', 'modest', 'nifty', 'quirky', 'serene', 'sharp', 'tender', 'vibrant', 'wizardly', 'zealous'];
const SURNAMES = ['babbage', 'curie', 'dijkstra', 'engelbart', 'hopper', 'kilby', 'knuth', 'lamport', 'liskov', 'lovelace', 'mccarthy', 'noether', 'pike', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing'];

export function randomName(): string {
  const pick = (list: string[]): string => list[randomBytes(1)[0]! % list.length]!;
  return `${pick(ADJECTIVES)}_${pick(SURNAMES)}`;
}

export { NAME_PATTERN, MAX_NAME_LENGTH, nameProblem } from '../../hooks/names.js';

/** A user's name in a message: whole if short, its start if not (a message stays readable). */
export function quoteName(name: string): string {
  return JSON.stringify(name.length <= 40 ? name : `${name.slice(0, 40)}…`);
}
