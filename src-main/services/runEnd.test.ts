// How a run ends, below the CLI and the app: the CPU-state watcher on real QEMU with tiny boot
// sectors (cli; hlt halts, sti; hlt idles), the panic parser, and the one exit-status rule of
// diagnoseRun for every ending.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuState } from '../shared/api.js';
import { isUserFrame } from './codeLocator.js';
import { cpuStateFromRegisters, watchCpuState } from './cpuState.js';
import { diagnoseRun, parsePanic, vgaText } from './diagnose.js';
import { startQemu, type QemuExit } from './qemu.js';
import { completePanic } from './runWatch.js';
import { writeImage } from './testkit.js';
import { findQemu } from './toolchain.js';

/** Writes "H" to COM1, then `cli; hlt` (and jumps back to the hlt should anything wake it). */
const HALT = 'baf803b048eefaf4ebfd';
/** Writes "I" to COM1, then `sti; hlt` in a loop: the timer interrupt wakes it, it waits again. */
const IDLE = 'baf803b049eefbf4ebfd';

let dir: string;
let qemu: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab-run-end-'));
  const found = await findQemu();
  if (typeof found === 'string') throw new Error(`these tests need QEMU: ${found}`);
  qemu = found.path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CPU state through QMP', () => {
  it('reads HLT and the interrupt flag from `info registers`', () => {
    const longMode = 'RIP=0000000000204001 RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\nRSP=0000000000301ff8';
    expect(cpuStateFromRegisters(longMode)?.state).toBe('halted');
    expect(cpuStateFromRegisters(longMode.replace('RFL=00000046', 'RFL=00000246'))?.state).toBe('idle');
    expect(cpuStateFromRegisters(longMode.replace('HLT=1', 'HLT=0'))?.state).toBe('running');
    expect(cpuStateFromRegisters(longMode)?.registers.RIP).toBe(0x204001n);
    expect(cpuStateFromRegisters('garbage')).toBeUndefined();
  });

  it('ends a halted machine (cli; hlt): frozen for the caller, then QEMU quits by itself', async () => {
    const session = await startQemu({ program: qemu, args: ['-drive', `format=raw,file=${writeImage(join(dir, 'halt.img'), HALT)}`, '-display', 'none', '-nic', 'none'], qmp: true });
    const states: CpuState[] = [];
    let atHaltRip: bigint | undefined;
    const watch = watchCpuState({
      qmp: session.qmpReady,
      exited: session.exit,
      intervalMs: 50,
      onState: (s) => states.push(s),
      atHalt: async (registers) => {
        atHaltRip = registers.RIP;
        return 'gathered';
      },
    });
    // Generous hang guard only: the watcher quits QEMU itself.
    const guard = setTimeout(() => session.stop(), 120_000);
    const exit = await session.exit;
    clearTimeout(guard);
    expect(exit.stopped).toBe(false);
    expect(exit.status).toBe(0);
    expect(states[states.length - 1]).toBe('halted');
    expect(watch.halted?.reason).toBe('HLT with interrupts disabled');
    expect(watch.halted?.gathered).toBe('gathered');
    // The boot sector is at 0x7c00; RIP is just past its HLT.
    expect(atHaltRip).toBe(0x7c08n);
  });

  it('reports an idle machine (sti; hlt) as idle and lets it run on', async () => {
    const session = await startQemu({ program: qemu, args: ['-drive', `format=raw,file=${writeImage(join(dir, 'idle.img'), IDLE)}`, '-display', 'none', '-nic', 'none'], qmp: true });
    const states: CpuState[] = [];
    let sawIdle: () => void = () => {};
    const idle = new Promise<void>((resolve) => (sawIdle = resolve));
    const watch = watchCpuState({
      qmp: session.qmpReady,
      exited: session.exit,
      intervalMs: 50,
      onState: (s) => {
        states.push(s);
        if (s === 'idle') sawIdle();
      },
    });
    const guard = setTimeout(() => session.stop(), 120_000);
    await idle;
    session.stop();
    const exit = await session.exit;
    clearTimeout(guard);
    expect(exit.stopped).toBe(true);
    expect(states).toContain('idle');
    expect(states).not.toContain('halted');
    expect(watch.halted).toBeUndefined();
  });
});

describe('panics in the output', () => {
  it('reads the PanicInfo Display forms, on serial and on the VGA screen', () => {
    expect(parsePanic('Kernel panicked at src/main.rs:68:23:\nout of frames\n')).toEqual({
      text: 'panicked at src/main.rs:68:23: out of frames',
      file: 'src/main.rs',
      line: 68,
      column: 23,
      message: 'out of frames',
    });
    expect(parsePanic("panicked at 'boom', src/lib.rs:1:2")).toMatchObject({ file: 'src/lib.rs', line: 1, column: 2, message: 'boom' });
    const screen = Buffer.alloc(4000);
    const put = (row: number, text: string) => [...text].forEach((c, i) => (screen[row * 160 + i * 2] = c.charCodeAt(0)));
    put(3, 'Kernel panicked at src/main.rs:9:5:');
    put(4, 'no memory');
    expect(parsePanic(vgaText(screen))?.text).toBe('panicked at src/main.rs:9:5: no memory');
  });

  it('waits for the message line before reporting a panic as it arrives', () => {
    expect(completePanic('Kernel panicked at src/main.rs:9:5:')).toBeUndefined();
    expect(completePanic('Kernel panicked at src/main.rs:9:5:\n')).toBeUndefined();
    expect(completePanic('Kernel panicked at src/main.rs:9:5:\nno mem')).toBeUndefined();
    expect(completePanic('Kernel panicked at src/main.rs:9:5:\nno memory\n')?.text).toBe('panicked at src/main.rs:9:5: no memory');
  });
});

describe('one exit-status rule', () => {
  const exit = (over: Partial<QemuExit>): QemuExit => ({ status: 0, signal: null, timedOut: false, stopped: false, stderr: '', streamsCutOff: [], ...over });
  const run = (over: Partial<QemuExit>, extra: Partial<Parameters<typeof diagnoseRun>[0]> = {}) =>
    diagnoseRun({ exit: exit(over), isTest: false, bootimage: { testSuccessExitCode: 33 }, serialText: '', ...extra });

  it('gives Stop no status at all', () => {
    const o = run({ status: null, signal: 'SIGKILL', stopped: true });
    expect(o).toMatchObject({ kind: 'stopped', message: 'Stopped.' });
    expect(o.exitCode).toBeUndefined();
    expect(o.qemuStatus).toBeUndefined();
  });

  it('passes QEMU\'s status through when QEMU exited by itself', () => {
    expect(run({ status: 33 })).toMatchObject({ kind: 'success', exitCode: 33, qemuStatus: 33 });
    expect(run({ status: 0 })).toMatchObject({ kind: 'exited', exitCode: 0, qemuStatus: 0 });
  });

  it('ends a halt with 0 (1 for a test, which never wrote its success code) and no QEMU status', () => {
    const frames = [{ address: 0x204001, symbol: 'k::halt', file: 'src/main.rs', line: 39, inUserCrate: true }];
    const o = run({ status: 0 }, { halted: { rip: 0x204001, frames } });
    expect(o).toMatchObject({ kind: 'halted', exitCode: 0, message: 'Kernel halted at k::halt (src/main.rs:39)', frames });
    expect(o.qemuStatus).toBeUndefined();
    expect(diagnoseRun({ exit: exit({}), isTest: true, bootimage: {}, serialText: '', halted: { frames } }).exitCode).toBe(1);
  });

  it('ends a panic that halted with 1 and the panic as the story', () => {
    const o = run({ status: 0 }, { serialText: 'Kernel panicked at src/main.rs:61:5:\nout of frames\n', halted: { frames: [] } });
    expect(o).toMatchObject({ kind: 'failure', exitCode: 1, message: 'Kernel panicked at src/main.rs:61:5: out of frames', panicLocation: { file: 'src/main.rs', line: 61, column: 5 } });
  });

  it('ends a triple fault with 1 and QEMU\'s own status 0, a timeout with 1 and none', () => {
    const faultLog = 'check_exception old: 0xffffffff new 0xe\n     0: v=0e e=0000 i=0 cpl=0 IP=0008:0000000000204e51 pc=0000000000204e51 SP=0000:0000000000301f00 CR2=00000deadbeef000\nTriple fault\n';
    expect(run({ status: 0 }, { faultLog })).toMatchObject({ kind: 'triple-fault', exitCode: 1, qemuStatus: 0 });
    const t = run({ status: null, signal: 'SIGKILL', timedOut: true }, { timeoutSeconds: 4 });
    expect(t).toMatchObject({ kind: 'timeout', exitCode: 1 });
    expect(t.qemuStatus).toBeUndefined();
  });
});

describe('frames of the user\'s crate', () => {
  it('counts crate-relative lines, and the user\'s functions with library code inlined into them', () => {
    expect(isUserFrame('k::level3', 'src/main.rs')).toBe(true);
    expect(isUserFrame('hang::spin_forever', '/usr/lib/rustlib/src/rust/library/core/src/hint.rs')).toBe(true);
    expect(isUserFrame('hang::spin_forever', '/rustc/0123abcd/library/core/src/hint.rs')).toBe(true);
    expect(isUserFrame('core::ptr::read_volatile<u64>', '/usr/lib/rustlib/src/rust/library/core/src/ptr/mod.rs')).toBe(false);
    expect(isUserFrame('compiler_builtins::mem::memcpy', undefined)).toBe(false);
    // A dependency's own code (an absolute path outside the standard library) is not the user's.
    expect(isUserFrame('x86_64::instructions::hlt', '/home/me/.cargo/registry/src/x86_64-0.14/src/instructions/mod.rs')).toBe(false);
    expect(isUserFrame('k::f', undefined)).toBe(true);
  });
});
