// Docker's seccomp profile format (what `docker run --security-opt seccomp=PROFILE.json` reads),
// and the check of a user's file against it. Runs in the CLI / runtime process, before a
// container starts; pure (no kernel, no libseccomp): a bad file fails here with one line, not
// later half-way through a launch. Syscall names are not checked: like Docker, names this
// libseccomp does not know are skipped when the profile is compiled.
import { MydockerError } from '../../errors.js';

export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
] as const;
export type SeccompAction = (typeof SECCOMP_ACTIONS)[number];

export const SECCOMP_OPS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;
export type SeccompOp = (typeof SECCOMP_OPS)[number];

// The runtime-spec's architectures (specs.Arch).
export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_LOONGARCH64',
] as const;
export type SeccompArch = (typeof SECCOMP_ARCHES)[number];

export interface SeccompArg {
  index: number; // 0..5
  /** A bigint only for values beyond Number.MAX_SAFE_INTEGER (JSON numbers lose them). */
  value: number | bigint;
  valueTwo?: number | bigint;
  op: SeccompOp;
}

/** A rule's conditions: capabilities (`CAP_...`, all needed), Docker's arch names, "major.minor". */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

export interface SeccompSyscall {
  names?: string[];
  /** The old single-name form; a rule has either this or `names`. */
  name?: string;
  action: SeccompAction;
  errnoRet?: number;
  args?: SeccompArg[];
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

export interface SeccompArchMapEntry {
  architecture: SeccompArch;
  subArchitectures: SeccompArch[] | null;
}

export interface SeccompProfile {
  defaultAction: SeccompAction;
  defaultErrnoRet?: number;
  /** Used as they are; a profile has either these or `archMap`. */
  architectures?: SeccompArch[];
  archMap?: SeccompArchMapEntry[];
  syscalls?: SeccompSyscall[];
}

// Integers beyond 2^53 lose their value in JSON.parse: quote them first (outside strings), with a
// marker no profile has (a control character), and read the quoted form back as a bigint where a
// number is expected.
const BIG = '\u0001big:';
const BIG_TOKEN = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![.eE\d])/g;

/** Reads and checks a profile; throws a MydockerError naming `source` and the problem. */
export function parseSeccompProfile(text: string, source: string): SeccompProfile {
  const fail = (problem: string): never => {
    throw new MydockerError(`seccomp profile ${source}: ${problem}`, {
      hint: 'see https://docs.docker.com/engine/security/seccomp/ for the format',
    });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(BIG_TOKEN, (token) => (token.startsWith('"') ? token : `"\\u0001big:${token}"`)));
  } catch (error) {
    fail(`invalid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isObject(raw)) return fail('not a JSON object');

  const profile: SeccompProfile = { defaultAction: action(raw.defaultAction, 'defaultAction', fail, true) };
  if (raw.defaultErrnoRet !== undefined && raw.defaultErrnoRet !== null) {
    profile.defaultErrnoRet = errno(raw.defaultErrnoRet, 'defaultErrnoRet', fail);
  }
  if (raw.flags !== undefined && raw.flags !== null && !(Array.isArray(raw.flags) && raw.flags.length === 0)) {
    fail('"flags" are not supported by mydocker');
  }
  if (raw.listenerPath !== undefined && raw.listenerPath !== '' && raw.listenerPath !== null) {
    fail('"listenerPath" (SCMP_ACT_NOTIFY) is not supported by mydocker');
  }
  const architectures = optionalArray(raw.architectures, 'architectures', fail);
  const archMap = optionalArray(raw.archMap, 'archMap', fail);
  if (architectures.length > 0 && archMap.length > 0) fail('both "architectures" and "archMap" are given; use one');
  if (architectures.length > 0) profile.architectures = architectures.map((a, i) => arch(a, `architectures[${i}]`, fail));
  if (archMap.length > 0) {
    profile.archMap = archMap.map((entry, i) => {
      const where = `archMap[${i}]`;
      if (!isObject(entry)) return fail(`${where} is not an object`);
      const subs = optionalArray(entry.subArchitectures, `${where}.subArchitectures`, fail);
      return {
        architecture: arch(entry.architecture, `${where}.architecture`, fail),
        subArchitectures: subs.map((a, j) => arch(a, `${where}.subArchitectures[${j}]`, fail)),
      };
    });
  }
  const syscalls = optionalArray(raw.syscalls, 'syscalls', fail);
  profile.syscalls = syscalls.map((entry, i) => syscall(entry, `syscalls[${i}]`, fail));
  return profile;
}

type Fail = (problem: string) => never;

function syscall(entry: unknown, where: string, fail: Fail): SeccompSyscall {
  if (!isObject(entry)) return fail(`${where} is not an object`);
  const rule: SeccompSyscall = { action: action(entry.action, `${where}.action`, fail, false) };
  const hasName = entry.name !== undefined && entry.name !== null && entry.name !== '';
  const hasNames = Array.isArray(entry.names) ? entry.names.length > 0 : entry.names !== undefined && entry.names !== null;
  if (hasName && hasNames) fail(`${where} has both "name" and "names"; use one`);
  if (!hasName && !hasNames) fail(`${where} has no "names"`);
  if (hasName) {
    if (typeof entry.name !== 'string') fail(`${where}.name is not a string`);
    rule.name = entry.name as string;
  } else {
    const names = optionalArray(entry.names, `${where}.names`, fail);
    rule.names = names.map((n, j) => (typeof n === 'string' && n !== '' ? n : fail(`${where}.names[${j}] is not a syscall name`)));
  }
  if (entry.errnoRet !== undefined && entry.errnoRet !== null) rule.errnoRet = errno(entry.errnoRet, `${where}.errnoRet`, fail);
  const args = optionalArray(entry.args, `${where}.args`, fail);
  if (args.length > 0) rule.args = args.map((a, j) => arg(a, `${where}.args[${j}]`, fail));
  if (typeof entry.comment === 'string') rule.comment = entry.comment;
  if (entry.includes !== undefined && entry.includes !== null) rule.includes = filter(entry.includes, `${where}.includes`, fail);
  if (entry.excludes !== undefined && entry.excludes !== null) rule.excludes = filter(entry.excludes, `${where}.excludes`, fail);
  return rule;
}

function arg(entry: unknown, where: string, fail: Fail): SeccompArg {
  if (!isObject(entry)) return fail(`${where} is not an object`);
  const index = entry.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 5) {
    fail(`${where}.index must be 0 to 5 (a syscall has at most six arguments)`);
  }
  if (typeof entry.op !== 'string' || !(SECCOMP_OPS as readonly string[]).includes(entry.op)) {
    fail(`${where}: unknown op ${JSON.stringify(entry.op)} (expected one of ${SECCOMP_OPS.join(', ')})`);
  }
  const result: SeccompArg = { index: index as number, value: uint64(entry.value, `${where}.value`, fail), op: entry.op as SeccompOp };
  if (entry.valueTwo !== undefined && entry.valueTwo !== null) result.valueTwo = uint64(entry.valueTwo, `${where}.valueTwo`, fail);
  return result;
}

function filter(entry: unknown, where: string, fail: Fail): SeccompFilter {
  if (!isObject(entry)) return fail(`${where} is not an object`);
  const result: SeccompFilter = {};
  const strings = (key: 'caps' | 'arches'): void => {
    const list = optionalArray(entry[key], `${where}.${key}`, fail);
    if (list.length === 0) return;
    result[key] = list.map((s, i) => (typeof s === 'string' ? s : fail(`${where}.${key}[${i}] is not a string`)));
  };
  strings('caps');
  strings('arches');
  const minKernel = entry.minKernel;
  if (minKernel !== undefined && minKernel !== null && minKernel !== '') {
    if (typeof minKernel !== 'string' || !/^\d{1,3}\.\d{1,3}$/.test(minKernel) || /^0+\.0+$/.test(minKernel)) {
      fail(`${where}.minKernel must be "<kernel>.<major>", e.g. "4.8" (got ${JSON.stringify(minKernel)})`);
    }
    result.minKernel = minKernel as string;
  }
  return result;
}

function action(value: unknown, where: string, fail: Fail, isDefault: boolean): SeccompAction {
  if (value === undefined || value === null || value === '') {
    return fail(isDefault ? 'no "defaultAction" (to run without seccomp use --security-opt seccomp=unconfined)' : `${where} is missing`);
  }
  if (typeof value !== 'string' || !(SECCOMP_ACTIONS as readonly string[]).includes(value)) {
    return fail(`${where}: unknown action ${JSON.stringify(value)} (expected one of ${SECCOMP_ACTIONS.join(', ')})`);
  }
  return value as SeccompAction;
}

function arch(value: unknown, where: string, fail: Fail): SeccompArch {
  if (typeof value !== 'string' || !(SECCOMP_ARCHES as readonly string[]).includes(value)) {
    return fail(`${where}: unknown architecture ${JSON.stringify(value)}`);
  }
  return value as SeccompArch;
}

function errno(value: unknown, where: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffff) {
    return fail(`${where} must be an errno number (0 to 65535)`);
  }
  return value;
}

function uint64(value: unknown, where: string, fail: Fail): number | bigint {
  if (value === undefined || value === null) return fail(`${where} is missing`);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && value.startsWith(BIG)) {
    const big = BigInt(value.slice(BIG.length));
    if (big >= 0n && big < 1n << 64n) return big;
  }
  return fail(`${where} must be an unsigned 64-bit integer`);
}

function optionalArray(value: unknown, where: string, fail: Fail): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(`${where} is not an array`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
