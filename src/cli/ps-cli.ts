// The program the launcher (main.cts) starts when the command is `ps`: the global flags, `--help`,
// `--version` and `ps` alone, built by the same code as the full CLI (program.ts, ps-command.ts).
// Its own bundle (dist/src/cli/ps.bundle.cjs, scripts/bundle.mjs) holds a tenth of the full one, so
// `ps` reads and deserialises that much less before its first record (issue 14).
// The launcher picks it when commandKey() names `ps`; splitCommand() then finds `ps` or, for
// `mydocker - ps`, "-", which neither program knows: both say so the same way.
import { runProgram } from './program.js';
import { definePs } from './ps-command.js';

runProgram(definePs);
