// Issue 9 item 2: whatever ends Bootlab, its children end too. The real `bootlab` executable
// (bin/bootlab.js -> out/cli.js: run, runner, serve) runs a real kernel in real QEMU, or a real cargo build, and is
// then SIGKILLed: nothing of Bootlab's runs after that, so only the tie set up at spawn time
// (childTie.ts) can end QEMU, cargo and what cargo started. Linux /proc is read for the process
// tree; the polling bounds are hang guards for a loaded machine, not speed limits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { REPO_ROOT, TEST_TARGET_DIR } from '../../services/testkit.js';

const BIN = join(REPO_ROOT, 'bin', 'bootlab.js');
const SAMPLE = join(REPO_ROOT, 'resources', 'sample-kernel');
let tmp: string;
const started: ChildProcess[] = [];

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-main.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling the CLI failed: ${built.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'bootlab-orphans-'));
});
afterEach(() => {
  // A failed assertion must not leave a Bootlab behind (its children then end with it).
  for (const child of started.splice(0)) child.kill('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  comm: string;
}

/** Every live process (zombies have ended: they only wait for init to reap them). */
function processes(): ProcInfo[] {
  const list: ProcInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (fields[0] === 'Z') continue;
      list.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(fields[1]), pgid: Number(fields[2]) });
    } catch {
      // ended meanwhile
    }
  }
  return list;
}

/** `root`'s descendants, children first. */
function descendants(root: number): ProcInfo[] {
  const all = processes();
  const found: ProcInfo[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

function alive(pids: number[]): number[] {
  const live = new Set(processes().map((p) => p.pid));
  return pids.filter((pid) => live.has(pid));
}

async function until<T>(what: string, probe: () => T | undefined | false, guardMs = 300_000): Promise<T> {
  for (const end = Date.now() + guardMs; ; ) {
    const value = probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`hang guard (${guardMs / 1000} s): ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function bootlab(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
  return { child, pid: child.pid!, stdout: () => stdout, stderr: () => stderr, exited };
}

/** SIGKILLs a `bootlab` that has QEMU running with serial output, then checks that QEMU ended. */
async function killDuringBoot(run: ReturnType<typeof bootlab>) {
  await until(`first serial output (stderr: ${run.stderr()})`, () => run.stdout().length > 0);
  const qemu = descendants(run.pid).filter((p) => p.comm.startsWith('qemu-system'));
  expect(qemu.length).toBe(1);
  // QEMU stays Bootlab's own child: no daemon, double fork or re-parenting.
  expect(qemu[0]!.ppid).toBe(run.pid);
  run.child.kill('SIGKILL');
  expect(await run.exited).toBe('SIGKILL');
  await until('QEMU ends after Bootlab was SIGKILLed', () => alive([qemu[0]!.pid]).length === 0, 30_000);
}

function ownedTempFolders(pid: number): string[] {
  return readdirSync(tmpdir()).filter((name) => new RegExp(`^bootlab-(qemu|runner|run)-${pid}-`).test(name));
}

describe.runIf(process.platform === 'linux')('children end when bootlab is SIGKILLed', () => {
  it('`bootlab run`: QEMU ends during the boot, and the next start sweeps the temp folder left behind', async () => {
    // Without the isa-debug-exit device the sample kernel halts and QEMU runs on until ended.
    const run = bootlab(['run', SAMPLE, '--', '-display', 'none', '-nic', 'none']);
    await killDuringBoot(run);
    // The killed process could not clean up: its folder names it as the owner.
    const left = ownedTempFolders(run.pid);
    expect(left.length).toBeGreaterThan(0);
    // Any later start of run, runner or serve removes the folders of owners that no longer run.
    const next = bootlab(['runner']);
    await next.exited;
    expect(next.stderr()).toContain('the kernel executable is missing');
    expect(left.filter((name) => existsSync(join(tmpdir(), name)))).toEqual([]);
  });

  it('`bootlab runner` (as cargo calls it): QEMU ends during the boot', async () => {
    // The ELF the first test built (or `cargo build` of the sample kernel in the test target folder).
    const elf = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'sample-kernel');
    if (!existsSync(elf)) {
      const built = bootlab(['build', SAMPLE]);
      await built.exited;
    }
    const run = bootlab(['runner', elf, '-display', 'none', '-nic', 'none', '-serial', 'stdio'], { CARGO_MANIFEST_DIR: SAMPLE });
    await killDuringBoot(run);
  });

  it('`bootlab serve`: QEMU of a Build and Boot from the browser ends during the boot', async () => {
    const env = { BOOTLAB_SETTINGS: join(tmp, 'settings.json'), XDG_CONFIG_HOME: tmp };
    const serve = bootlab(['serve', '--no-open', SAMPLE], env);
    const url = new URL(await until(`serve's URL line (stderr: ${serve.stderr()})`, () => /http:\S+/.exec(serve.stdout())?.[0]));
    const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`, { origin: url.origin });
    let messages = '';
    ws.on('message', (data: WebSocket.RawData) => (messages += data.toString()));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ id: 1, method: 'buildAndBoot', args: [{}] }));
    await until(`serial output from the kernel (messages: ${messages.slice(-400)})`, () => messages.includes('"type":"serial"'));
    const qemu = descendants(serve.pid).filter((p) => p.comm.startsWith('qemu-system'));
    expect(qemu.length).toBe(1);
    expect(qemu[0]!.ppid).toBe(serve.pid);
    serve.child.kill('SIGKILL');
    expect(await serve.exited).toBe('SIGKILL');
    ws.terminate();
    await until('QEMU ends after Bootlab was SIGKILLed', () => alive([qemu[0]!.pid]).length === 0, 30_000);
  });

  it.each([['run'], ['test']])('`bootlab %s` during a build: cargo, its build script and everything in its process group end', async (command) => {
    const crate = join(tmp, `slow-build-${command}`);
    cpSync(join(REPO_ROOT, 'fixtures', 'crates', 'slow-build'), crate, { recursive: true });
    // A fresh nonce makes cargo run the build script (a minute's sleep) again.
    const run = bootlab([command, crate], { BOOTLAB_SLOW_BUILD_NONCE: `${process.pid}-${Date.now()}` });
    const tree = await until(`the build script runs (stderr: ${run.stderr()})`, () => {
      const d = descendants(run.pid);
      return d.some((p) => p.comm.startsWith('build-script')) && d;
    });
    const cargo = tree.find((p) => p.comm === 'cargo');
    expect(cargo).toBeDefined();
    // cargo's process group: cargo, the build script and any rustc or linker running beside it.
    const group = processes().filter((p) => p.pgid === cargo!.pgid).map((p) => p.pid);
    const pids = [...new Set([...tree.map((p) => p.pid), ...group])];
    run.child.kill('SIGKILL');
    expect(await run.exited).toBe('SIGKILL');
    await until(`cargo and its children end after Bootlab was SIGKILLed (left: ${alive(pids).join(' ')})`, () => alive(pids).length === 0, 30_000);
  });
});
