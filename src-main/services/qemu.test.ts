import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { diagnoseRun } from './diagnose.js';
import { startQemu as start, type QemuStartOptions } from './qemu.js';

async function startQemu(options: QemuStartOptions) {
  const session = await start(options);
  sessions.push(session);
  return session;
}
import { HELLO_EXIT, HELLO_HANG, processesMatching, TRIPLE_FAULT, writeImage } from './testkit.js';
import { findQemu } from './toolchain.js';

let dir: string;
let qemu: string;
const sessions: { stop(): void }[] = [];
afterEach(() => {
  // A failed assertion must not leave a QEMU behind.
  for (const s of sessions.splice(0)) s.stop();
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bootlab qemu test ü-'));
  const found = await findQemu();
  if (typeof found === 'string') throw new Error(`QEMU is needed for these tests: ${found}`);
  qemu = found.path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function drive(image: string): string[] {
  return ['-drive', `format=raw,file=${image.replace(/,/g, ',,')}`, '-nic', 'none', '-display', 'none'];
}

describe('QEMU supervisor', () => {
  it('streams serial and the debug console over loopback sockets, and maps the exit status', async () => {
    const image = writeImage(join(dir, 'hello.img'), HELLO_EXIT);
    const serial: Buffer[] = [];
    const debug: string[] = [];
    const session = await startQemu({
      program: qemu,
      args: [...drive(image), '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'],
      serialSocket: true,
      debugconSocket: true,
      qmp: true,
      onSerial: (b) => serial.push(b),
      onDebugconLine: (l) => debug.push(l),
      timeoutMs: 20_000,
    });
    const exit = await session.exit;
    expect(exit.status).toBe(33);
    expect(Buffer.concat(serial).toString()).toBe('Hi\n');
    expect(debug).toEqual(['L']);
    const outcome = diagnoseRun({ exit, isTest: true, bootimage: { testSuccessExitCode: 33 }, serialText: 'Hi\n' });
    expect(outcome.kind).toBe('success');
    expect(outcome.exitCode).toBe(0);
  });

  it('times out a hanging guest with its RIP and last serial line, leaving no QEMU behind', async () => {
    const image = writeImage(join(dir, 'hang.img'), HELLO_HANG);
    let serial = '';
    const session = await startQemu({
      program: qemu,
      args: [...drive(image), '-no-reboot'],
      serialSocket: true,
      qmp: true,
      timeoutMs: 5000,
      onSerial: (b) => (serial += b.toString()),
    });
    const exit = await session.exit;
    expect(exit.timedOut).toBe(true);
    expect(exit.registersAtTimeout?.RIP).toBeDefined();
    const outcome = diagnoseRun({ exit, isTest: true, bootimage: { testSuccessExitCode: 33 }, timeoutSeconds: 5, serialText: serial });
    expect(outcome.kind).toBe('timeout');
    expect(outcome.exitCode).toBe(1);
    expect(outcome.message).toContain('Last serial line: "Hi"');
    expect(outcome.message).toMatch(/RIP was 0x7c0c/);
    expect(processesMatching(image)).toEqual([]);
  });

  it('reads guest memory and mirrors the VGA text screen through QMP', async () => {
    const image = writeImage(join(dir, 'vga.img'), HELLO_HANG);
    const screens: Buffer[] = [];
    const session = await startQemu({
      program: qemu,
      args: drive(image),
      qmp: true,
      vgaIntervalMs: 100,
      onVga: (s) => screens.push(s),
    });
    await session.qmpReady;
    await new Promise((r) => setTimeout(r, 800)); // SeaBIOS loads the boot sector
    const sector = await session.readMemory(0x7c00, 512);
    expect(sector.subarray(0, 4).toString('hex')).toBe('baf803b0');
    expect(sector.readUInt16LE(510)).toBe(0xaa55);
    session.stop();
    const exit = await session.exit;
    expect(exit.stopped).toBe(true);
    expect(screens.length).toBeGreaterThan(0);
    expect(screens[0]!.length).toBe(4000);
    // SeaBIOS leaves its banner on the text screen.
    const text = Buffer.from(screens[screens.length - 1]!.filter((_, i) => i % 2 === 0)).toString('latin1');
    expect(text).toMatch(/SeaBIOS|Booting/);
    expect(processesMatching(image)).toEqual([]);
  });

  it('reads the VGA screen first one interval after QMP is ready, not while the firmware starts', async () => {
    const image = writeImage(join(dir, 'vga-first.img'), HELLO_HANG);
    let reads = 0;
    const session = await startQemu({
      program: qemu,
      args: drive(image),
      qmp: true,
      // Longer than the test: no interval passes.
      vgaIntervalMs: 600_000,
      onVga: () => reads++,
    });
    const qmp = await session.qmpReady;
    // Commands on one connection are answered in order: a read started at QMP's readiness has
    // delivered its screen by the time these have answered.
    await qmp.execute('query-status');
    await session.readMemory(0x7c00, 16);
    await qmp.execute('query-status');
    expect(reads).toBe(0);
    session.stop();
    expect((await session.exit).stopped).toBe(true);
  });

  it('detects a triple fault from the -d int log (QEMU exits 0 with -no-reboot)', async () => {
    const image = writeImage(join(dir, 'tf.img'), TRIPLE_FAULT);
    const log = join(dir, 'fault.log');
    const session = await startQemu({
      program: qemu,
      args: [...drive(image), '-no-reboot', '-serial', 'stdio'],
      faultLogFile: log,
      timeoutMs: 20_000,
    });
    const exit = await session.exit;
    expect(exit.status).toBe(0);
    const outcome = diagnoseRun({
      exit,
      isTest: true,
      bootimage: { testSuccessExitCode: 33 },
      serialText: 'T',
      faultLog: readFileSync(log, 'utf8'),
    });
    expect(outcome.kind).toBe('triple-fault');
    expect(outcome.exitCode).toBe(1);
    expect(outcome.message).toContain('#GP general protection fault');
    expect(outcome.message).toContain('triple fault');
  });

  it('resets the guest through QMP without ending a -no-reboot run', async () => {
    const image = writeImage(join(dir, 'reset.img'), HELLO_HANG);
    let serial = '';
    const session = await startQemu({
      program: qemu,
      args: [...drive(image), '-no-reboot'],
      serialSocket: true,
      qmp: true,
      onSerial: (b) => (serial += b.toString()),
    });
    await session.qmpReady;
    const until = async (text: string) => {
      for (let i = 0; i < 200 && serial !== text; i++) await new Promise((r) => setTimeout(r, 50));
      expect(serial).toBe(text);
    };
    await until('Hi\n');
    await session.reset();
    await until('Hi\nHi\n');
    expect(session.child.exitCode).toBeNull();
    session.stop();
    expect((await session.exit).stopped).toBe(true);
  });

  // Issue 15: the run ends when QEMU has exited and its streams have closed, not on a timer. A
  // timer left behind would hold the command-line process open after the kernel's last line.
  // The supervisor's timers are counted with Vitest's fake timers (QEMU and the streams stay
  // real): none may fire (none is advanced) and none may be pending once the run has ended.
  const withCountedTimers = async <T>(body: () => Promise<T>): Promise<{ result: T; pending: number }> => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const result = await body();
      return { result, pending: vi.getTimerCount() };
    } finally {
      vi.useRealTimers();
    }
  };

  it('ends the run at QEMU\'s exit and its streams\' close, with no timer fired or left behind (-serial stdio)', async () => {
    const image = writeImage(join(dir, 'stdio.img'), HELLO_EXIT);
    let stdout = '';
    const { result: exit, pending } = await withCountedTimers(async () => {
      const session = await startQemu({
        program: qemu,
        args: [...drive(image), '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot', '-serial', 'stdio'],
        faultLogFile: join(dir, 'stdio-fault.log'),
        onStdout: (b) => (stdout += b.toString()),
      });
      return session.exit;
    });
    expect(exit.status).toBe(33);
    expect(stdout).toBe('Hi\n');
    expect(exit.streamsCutOff).toEqual([]);
    expect(pending).toBe(0);
  });

  it('ends the run at the sockets\' close too (serial, debug console, QMP), with no timer left behind', async () => {
    const image = writeImage(join(dir, 'sockets.img'), HELLO_EXIT);
    let serial = '';
    const { result: exit, pending } = await withCountedTimers(async () => {
      const session = await startQemu({
        program: qemu,
        args: [...drive(image), '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot'],
        serialSocket: true,
        debugconSocket: true,
        qmp: true,
        timeoutMs: 300_000,
        onSerial: (b) => (serial += b.toString()),
      });
      return session.exit;
    });
    expect(exit.status).toBe(33);
    expect(serial).toBe('Hi\n');
    expect(exit.streamsCutOff).toEqual([]);
    expect(pending).toBe(0);
  });

  it('cuts off a stream that outlives QEMU (held open by another process) instead of waiting for it', async () => {
    // A stand-in for QEMU that exits at once and leaves a process outside its group holding its
    // stdout and stderr open: the bound ends the run and names the streams it cut off.
    let stdout = '';
    const holderScript = "const c = require('node:child_process').spawn('sleep', ['600'], { detached: true, stdio: 'inherit' }); console.log(c.pid); process.exit(3);";
    const session = await startQemu({
      program: process.execPath,
      args: ['-e', holderScript],
      onStdout: (b) => (stdout += b.toString()),
    });
    const exit = await session.exit;
    const holder = Number(stdout.trim());
    try {
      expect(exit.status).toBe(3);
      expect(exit.streamsCutOff).toEqual(['stdout', 'stderr']);
    } finally {
      process.kill(holder, 'SIGKILL');
    }
  });

  it('reports a QEMU that cannot start', async () => {
    const session = await startQemu({ program: join(dir, 'no-such-qemu'), args: [] });
    const exit = await session.exit;
    expect(exit.spawnError).toBeDefined();
    expect(diagnoseRun({ exit, isTest: false, bootimage: {}, serialText: '' }).kind).toBe('error');
  });
});
