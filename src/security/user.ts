// Resolves `run -u/--user` (and exec's) to the IDs the first process switches to, the way Docker
// does (moby's getUser over runc's/moby's user.GetExecUser): from the container's own /etc/passwd
// and /etc/group, read through a callback so that the caller decides how a path resolves inside
// the container's root. Pure library code, run in the `run`/`exec` process before the launch
// window; it never touches the host's files itself.
import { MydockerError } from '../errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /**
   * The groups to give setgroups(2), sorted, without duplicates: the user's memberships in
   * /etc/group and, as Docker adds it since 20.10.18 (the fix of CVE-2022-36109), the primary gid
   * itself, so that a later change of gid (a setgid program) cannot take the process out of the
   * group whose restrictions apply to it.
   */
  additionalGids: number[];
  /** From the passwd entry, else "/". */
  home: string;
}

type ReadFile = (path: '/etc/passwd' | '/etc/group') => string | null;

/** Docker's bound (runc, moby/sys/user): IDs fit a signed 32-bit int on every platform. */
export const MAX_ID = 2 ** 31 - 1;

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** A user or group as written in the spec: a number (used as such) or a name (looked up). */
type IdArg = { numeric: true; id: number; text: string } | { numeric: false; text: string };

/**
 * `spec` is "", "user", "uid", "user:group", "uid:gid", "user:gid" or "uid:group". Throws a
 * MydockerError (exit 125) with one line when a name is unknown or a number out of range.
 */
export function resolveUser(spec: string, read: ReadFile): ResolvedUser {
  // Split at the first colon, as Go's strings.Cut: "a:b:c" names the group "b:c".
  const colon = spec.indexOf(':');
  const userText = colon < 0 ? spec : spec.slice(0, colon);
  const groupText = colon < 0 ? '' : spec.slice(colon + 1);
  const userArg = parseArg(userText, spec);
  const groupArg = parseArg(groupText, spec);

  // Without a user part, Docker looks up uid 0 (root) for its gid, home and groups.
  const passwdText = read('/etc/passwd');
  const entry = passwdText === null ? undefined : parsePasswd(passwdText).find((u) => (userArg === null ? u.uid === 0 : matchesUser(userArg, u)));
  if (!entry && userArg !== null && !userArg.numeric) {
    throw new MydockerError(`unable to find user ${userArg.text}: no matching entries in passwd file`);
  }
  const uid = entry?.uid ?? (userArg?.numeric ? userArg.id : 0);
  let gid = entry?.gid ?? 0;
  const home = entry?.home || '/';

  // The group file is read only when it matters: for an explicit group, or a user found by name
  // or number in passwd (whose supplementary groups list it by name).
  const groups = groupArg !== null || entry ? parseGroupFile(read('/etc/group')) : [];
  const supplementary: number[] = [];
  if (groupArg !== null) {
    // An explicit group replaces the primary one, and (as in runc) the user's memberships in
    // /etc/group are then not added: the spec said which group to run as.
    const group = groups.find((g) => matchesGroup(groupArg, g));
    if (group) gid = group.gid;
    else if (groupArg.numeric) gid = groupArg.id;
    else throw new MydockerError(`unable to find group ${groupArg.text}: no matching entries in group file`);
  } else if (entry) {
    for (const g of groups) if (g.members.includes(entry.name)) supplementary.push(g.gid);
  }
  const additionalGids = [...new Set([gid, ...supplementary])].sort((a, b) => a - b);
  return { uid, gid, additionalGids, home };
}

/** "" is no argument; digits (with Go's optional sign) are a number, anything else a name. */
function parseArg(text: string, spec: string): IdArg | null {
  if (text === '') return null;
  if (!/^[+-]?[0-9]+$/.test(text)) return { numeric: false, text };
  const id = Number(text);
  if (!(id >= 0 && id <= MAX_ID)) {
    throw new MydockerError(`invalid user "${spec}": uids and gids must be in range 0-${MAX_ID}`);
  }
  return { numeric: true, id: id === 0 ? 0 : id, text }; // "-0" is 0, not -0
}

// A number is matched against IDs only and a name against names only: user "1000" is uid 1000
// even if an entry is named "1000", as in runc.
function matchesUser(arg: IdArg, u: PasswdEntry): boolean {
  return arg.numeric ? u.uid === arg.id : u.name === arg.text;
}

function matchesGroup(arg: IdArg, g: GroupEntry): boolean {
  return arg.numeric ? g.gid === arg.id : g.name === arg.text;
}

/**
 * `name:password:uid:gid:gecos:home:shell`. Blank lines, comments and lines without a name or with
 * a uid or gid that is no valid ID are skipped (runc would read a garbled number as 0, i.e. root).
 * A line may stop after the gid; then its home is "".
 */
export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const fields of lines(text)) {
    const [name = '', , uidText = '', gidText = '', , home = ''] = fields;
    const uid = fileId(uidText);
    const gid = fileId(gidText);
    if (name === '' || uid === null || gid === null) continue;
    entries.push({ name, uid, gid, home });
  }
  return entries;
}

/** `name:password:gid:member,member`. Lines without a name or a valid gid are skipped. */
export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const fields of lines(text)) {
    const [name = '', , gidText = '', list = ''] = fields;
    const gid = fileId(gidText);
    if (name === '' || gid === null) continue;
    entries.push({ name, gid, members: list.split(',').filter((m) => m !== '') });
  }
  return entries;
}

function parseGroupFile(text: string | null): GroupEntry[] {
  return text === null ? [] : parseGroup(text);
}

/** Each meaningful line's fields; glibc allows blanks around a line and `#` comments. */
function* lines(text: string): Generator<string[]> {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    yield line.split(':');
  }
}

function fileId(text: string): number | null {
  if (!/^[0-9]+$/.test(text)) return null;
  const id = Number(text);
  return id <= MAX_ID ? id : null;
}
