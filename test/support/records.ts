// Minimal container records for tests.
import type { ContainerRecord } from '../../src/container/record.js';

export function makeRecord(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    id: 'a'.repeat(64),
    name: 'test_container',
    created: '2024-01-01T00:00:00.000Z',
    image: { ref: 'busybox:latest', id: `sha256:${'b'.repeat(64)}` },
    command: ['sh'],
    env: ['PATH=/bin'],
    workdir: '/',
    hostname: 'host1',
    tty: false,
    interactive: false,
    autoRemove: false,
    storageDriver: 'overlay',
    options: {},
    plugins: [],
    rootfs: null,
    state: { status: 'created', pid: null, pidStartTime: null, startedAt: null, finishedAt: null, exitCode: null },
    pluginState: {},
    ...over,
  };
}
