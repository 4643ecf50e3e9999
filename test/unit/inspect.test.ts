// `inspect`'s HostConfig for published ports, in Docker's shape.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { inspectContainer } from '../../src/runtime/inspect.js';
import { makeRecord } from '../support/records.js';

const paths = { stateDir: '/nonexistent/state', storageDir: '/nonexistent/storage', layers: [] };

describe('inspect: HostConfig.PortBindings and PublishAllPorts', () => {
  it('keys the -p specs by container port, with the address and port asked for ("" where none was)', () => {
    const record = makeRecord({ options: { publish: ['8080:80', '127.0.0.1::53/udp', '[::1]:9000-9001:90-91'], publishAll: true } });
    const host = inspectContainer(record, paths).HostConfig as Record<string, unknown>;
    assert.deepEqual(host.PortBindings, {
      '80/tcp': [{ HostIp: '', HostPort: '8080' }],
      '53/udp': [{ HostIp: '127.0.0.1', HostPort: '' }],
      '90/tcp': [{ HostIp: '::1', HostPort: '9000' }],
      '91/tcp': [{ HostIp: '::1', HostPort: '9001' }],
    });
    assert.equal(host.PublishAllPorts, true);
  });

  it('is empty without -p, and leaves out a spec it cannot read (an old record) rather than guess', () => {
    assert.deepEqual((inspectContainer(makeRecord(), paths).HostConfig as Record<string, unknown>).PortBindings, {});
    const odd = inspectContainer(makeRecord({ options: { publish: ['not-a-port', '81'] } }), paths).HostConfig as Record<string, unknown>;
    assert.deepEqual(odd.PortBindings, { '81/tcp': [{ HostIp: '', HostPort: '' }] });
    assert.equal(odd.PublishAllPorts, false);
  });
});
