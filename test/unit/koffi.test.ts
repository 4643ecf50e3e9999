// koffi's native module is loaded directly: its entry point's JavaScript (which works out the C
// library from Node's ELF header) cost every run and exec 10-40 ms.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { loadKoffi } from '../../src/kernel/koffi.js';

describe('loadKoffi', () => {
  it("loads the platform's native module without koffi's entry point, once, and it calls libc", () => {
    const koffi = loadKoffi();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    assert.ok(loaded.some((file) => file.endsWith('koffi.node')), 'the native module');
    assert.deepEqual(loaded.filter((file) => /[\\/]koffi[\\/]/.test(file) && file.endsWith('.cjs')), [], "none of koffi's JavaScript");
    assert.equal(loadKoffi(), koffi);
    const getpid = koffi.load('libc.so.6').func('int getpid(void)');
    assert.equal(getpid(), process.pid);
  });
});
