// Entry of out/asm-server.cjs: the resident assembler that native/bootlab-asm starts on first use
// (`node out/asm-server.cjs SOCKET`). See asmServer.ts.
import { runAsmCli } from './asmMain.js';
import { serveAsm } from './asmServer.js';

declare const __BOOTLAB_BUILD_ID__: string;

const socketPath = process.argv[2];
if (!socketPath) {
  process.stderr.write('usage: node out/asm-server.cjs SOCKET\n');
  process.exitCode = 2;
} else {
  const idleMs = Number(process.env.BOOTLAB_ASM_IDLE_MS ?? 10 * 60_000);
  void serveAsm(socketPath, { protocol: `bootlab-asm/1 ${__BOOTLAB_BUILD_ID__}`, idleMs, run: runAsmCli }).then((why) => {
    if (why) process.stderr.write(`bootlab asm server: ${why}\n`);
  });
}
