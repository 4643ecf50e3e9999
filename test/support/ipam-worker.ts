// One process of the IPAM concurrency test: allocates an address with the real flock and prints it.
import { BitmapIpam } from '../../src/network/ipam.js';
import { libcKernel } from '../../src/kernel/libc.js';

const [dir, owner] = process.argv.slice(2);
const network = { id: 'a'.repeat(64), name: 'n1', driver: 'bridge', subnet: '198.18.8.0/24', gateway: '198.18.8.1', created: '', isDefault: false, options: {} };
const address = await new BitmapIpam(dir!, libcKernel()).allocate(network, owner!, null);
process.stdout.write(`${address}\n`);
