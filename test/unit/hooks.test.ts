// The plugin contract, hooks/: the one table of hooks, the errors a plugin throws and catches, and
// every name `mydocker/hooks` has exported so far still exported from hooks/index.js.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as contract from '../../hooks/index.js';
import { HOOKS, HOOK_NAMES, PluginFailure, errnoCode } from '../../hooks/index.js';
import type {
  AddressContext,
  CgroupsContext,
  CheckOptionsContext,
  ContainerInfo,
  ContextOf,
  DeviceMapping,
  DeviceRule,
  EnterContext,
  UpdateContext,
  InitStep,
  Ipam,
  JoinContext,
  JsonValue,
  Kernel,
  KernelFailure,
  LeaveContext,
  LifecycleHooks,
  NetworkContext,
  NetworkDriver,
  NetworkInfo,
  Networks,
  Plugin,
  PluginApi,
  PluginState,
  PortMapping,
  ProcessContext,
  RootfsContext,
  RootfsReleaseContext,
  SecuritySettings,
  StorageContext,
  StorageDriver,
  TeardownContext,
} from '../../hooks/index.js';
import { KernelError } from '../../src/kernel/kernel-error.js';

/** Every type of the contract, named: this file stops compiling when one goes missing. */
export type ContractTypes = [
  AddressContext, CgroupsContext, CheckOptionsContext, ContainerInfo, DeviceMapping, DeviceRule, EnterContext, InitStep, Ipam, JoinContext,
  JsonValue, Kernel, KernelFailure, LeaveContext, LifecycleHooks, NetworkContext, NetworkDriver, NetworkInfo, Networks, Plugin,
  PluginApi, PluginState, PortMapping, ProcessContext, RootfsContext, RootfsReleaseContext, SecuritySettings, StorageContext,
  StorageDriver, TeardownContext,
];

/** The table's context types, checked by the compiler: each hook's taps get what docs/plugins.md says. */
export type TableContexts = [
  Same<ContextOf<'checkOptions'>, CheckOptionsContext>,
  Same<ContextOf<'prepareRootfs'>, RootfsContext>,
  Same<ContextOf<'createCgroups'>, CgroupsContext>,
  Same<ContextOf<'applyCgroups'>, ProcessContext>,
  Same<ContextOf<'setupNetwork'>, ProcessContext>,
  Same<ContextOf<'releaseCgroups'>, TeardownContext>,
  Same<ContextOf<'releaseRootfs'>, RootfsReleaseContext>,
  Same<ContextOf<'teardownNetwork'>, TeardownContext>,
  Same<ContextOf<'enterNamespace'>, EnterContext>,
  Same<ContextOf<'updateResources'>, UpdateContext>,
];
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const tableContexts: TableContexts = [true, true, true, true, true, true, true, true, true, true];

describe('hooks/: the table of hooks', () => {
  it('lists the hooks in the order a run calls them, then exec, then update', () => {
    assert.deepEqual(
      [...HOOK_NAMES],
      ['checkOptions', 'prepareRootfs', 'createCgroups', 'applyCgroups', 'setupNetwork', 'releaseCgroups', 'releaseRootfs', 'teardownNetwork', 'enterNamespace', 'updateResources'],
    );
    assert.deepEqual([...HOOK_NAMES], Object.keys(HOOKS));
  });

  it('gives every hook a kind, a role and a one-line doc', () => {
    for (const name of HOOK_NAMES) {
      const { kind, role, doc } = HOOKS[name];
      assert.ok(kind === 'sync' || kind === 'async-series', name);
      assert.ok(role === 'check' || role === 'setup' || role === 'teardown', name);
      assert.match(doc, /^[^\n]{10,}$/, name);
    }
    assert.equal(HOOKS.checkOptions.role, 'check');
    assert.equal(HOOKS.enterNamespace.kind, 'sync', 'namespaces belong to a thread: exec joins synchronously');
  });

  it('is frozen: the core builds its hooks from it', () => {
    assert.equal(Object.isFrozen(HOOKS), true);
    assert.equal(Object.isFrozen(HOOKS.prepareRootfs), true);
    assert.equal(Object.isFrozen(HOOK_NAMES), true);
  });
});

describe('hooks/: values exported from hooks/index.js', () => {
  it('keeps every value it exported before the split', () => {
    for (const name of ['HOOK_NAMES', 'definePlugin', 'CLONE', 'CONTAINER_NAMESPACES', 'MS', 'MNT', 'MFD', 'SEAL']) {
      assert.ok(name in contract, `${name} is exported`);
    }
    assert.equal(contract.CLONE.NEWNET, 0x40000000);
    assert.equal(contract.MS.BIND, 0x1000);
    assert.deepEqual(
      contract.CONTAINER_NAMESPACES.map((n) => n.file),
      ['ipc', 'uts', 'net', 'pid', 'mnt'],
    );
    const plugin = { name: 'p', apply: () => {} };
    assert.equal(contract.definePlugin(plugin), plugin);
  });
});

describe('hooks/: errors', () => {
  it('PluginFailure carries a message, a hint and a cause', () => {
    const cause = new Error('EEXIST');
    const e = new PluginFailure('volume data exists', { hint: 'choose another name', cause });
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'PluginFailure');
    assert.equal(e.message, 'volume data exists');
    assert.equal(e.hint, 'choose another name');
    assert.equal(e.cause, cause);
    assert.equal(new PluginFailure('plain').hint, undefined);
  });

  it("errnoCode reads the kernel's and Node's errno names, and nothing else", () => {
    const kernel: KernelFailure = new KernelError('umount', 22, '/x');
    assert.equal(errnoCode(kernel), 'EINVAL');
    assert.equal(kernel.syscall, 'umount');
    assert.equal(errnoCode(Object.assign(new Error('x'), { code: 'ENOENT' })), 'ENOENT');
    assert.equal(errnoCode(new Error('x')), undefined);
    assert.equal(errnoCode(undefined), undefined);
    assert.equal(errnoCode(null), undefined);
    assert.equal(errnoCode('ENOENT'), undefined);
  });
});
