// The bridge driver's firewall rules, through iptables-restore (one process for a whole set, atomic
// per table) and iptables-save (to find rules again). Every rule carries a comment naming what it
// belongs to, "mydocker:net:<id12>" or "mydocker:ctr:<id12>": removal finds the rules by that tag in
// iptables-save's output and deletes exactly those lines, so it needs no saved state, survives a
// crash half-way, and never touches a rule that is not ours.
import { spawnSync } from 'node:child_process';

export type Table = 'filter' | 'nat';

export interface Rule {
  table: Table;
  chain: string;
  /** The rule's match and target, without -A/-I and without the comment (added from the tag). */
  args: string[];
  /** Insert at the top of the chain (ahead of a host's DROP rules) instead of appending. */
  first?: boolean;
}

export interface Iptables {
  /** Adds the rules, all or none. */
  add(tag: string, rules: readonly Rule[]): void;
  /** Deletes every rule carrying the tag; returns how many. */
  remove(tag: string): number;
  /** The rules carrying a tag that starts with `prefix`, as iptables-save prints them, by table. */
  list(prefix: string): Array<{ table: Table; line: string }>;
}


type Run = (command: string, args: string[], input?: string) => { status: number | null; stdout: string; stderr: string; error?: Error };

const runSync: Run = (command, args, input) => {
  const result = spawnSync(command, args, { input, encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', ...(result.error ? { error: result.error } : {}) };
};

export function iptables(run: Run = runSync): Iptables {
  const restore = (input: string, what: string): void => {
    // --noflush: change only what the input says; -w: wait for the xtables lock instead of failing.
    const result = run('iptables-restore', ['--noflush', '-w'], input);
    if (result.error) throw new Error(`cannot run iptables-restore (${result.error.message}): install iptables`);
    if (result.status !== 0) throw new Error(`iptables-restore failed ${what}: ${result.stderr.trim().split('\n')[0] ?? ''}`);
  };
  const save = (): string => {
    const result = run('iptables-save', []);
    if (result.error) throw new Error(`cannot run iptables-save (${result.error.message}): install iptables`);
    if (result.status !== 0) throw new Error(`iptables-save failed: ${result.stderr.trim()}`);
    return result.stdout;
  };
  const list = (prefix: string): Array<{ table: Table; line: string }> => {
    const found: Array<{ table: Table; line: string }> = [];
    let table: string | null = null;
    for (const line of save().split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      else if (line.startsWith('-A ') && (table === 'filter' || table === 'nat') && tagOf(line)?.startsWith(prefix)) found.push({ table, line });
    }
    return found;
  };
  return {
    add(tag, rules) {
      if (rules.length === 0) return;
      restore(restoreInput(tag, rules), `adding rules ${tag}`);
    },
    remove(tag) {
      const lines = list(tag).filter((r) => tagOf(r.line) === tag);
      if (lines.length === 0) return 0;
      const byTable = new Map<Table, string[]>();
      for (const { table, line } of lines) byTable.set(table, [...(byTable.get(table) ?? []), `-D ${line.slice(3)}`]);
      restore([...byTable].map(([table, deletes]) => `*${table}\n${deletes.join('\n')}\nCOMMIT\n`).join(''), `removing rules ${tag}`);
      return lines.length;
    },
    list,
  };
}

/** The rules as iptables-restore input: per table, the rules to insert first in order, then the appended ones. */
export function restoreInput(tag: string, rules: readonly Rule[]): string {
  let out = '';
  for (const table of ['filter', 'nat'] as const) {
    const mine = rules.filter((r) => r.table === table);
    if (mine.length === 0) continue;
    out += `*${table}\n`;
    const position = new Map<string, number>();
    for (const rule of mine) {
      const spec = [...rule.args, '-m', 'comment', '--comment', tag].map(quote).join(' ');
      if (rule.first) {
        const at = (position.get(rule.chain) ?? 0) + 1;
        position.set(rule.chain, at);
        out += `-I ${rule.chain} ${at} ${spec}\n`;
      } else {
        out += `-A ${rule.chain} ${spec}\n`;
      }
    }
    out += 'COMMIT\n';
  }
  return out;
}

/** The comment of a saved rule line (iptables-save quotes it only when it has to). */
export function tagOf(line: string): string | null {
  const match = /--comment (?:"([^"]*)"|(\S+))/.exec(line);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

function quote(arg: string): string {
  return /^[\w.:/+!,=-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, '\\$1')}"`;
}
