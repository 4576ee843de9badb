// `bootlab-asm` (native/bootlab-asm) and its resident assembler (asmServer.ts), really run: the
// built client against `bootlab asm` and nasm on the same files, one server for many runs, its
// idle exit, and the fallbacks (unsafe directory, another build's server, a dead socket file).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, parseRequest, serveAsm } from './asmServer.js';

const ROOT = path.resolve('.');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bootlab-asm-client-'));
/** A private copy of the package's pieces the client uses: other tests rebuild out/ meanwhile. */
const pkg = path.join(work, 'pkg');
const client = path.join(pkg, 'out', 'bootlab-asm');
const src = path.join(work, 'src');
const sockDir = path.join(work, 'sock');
const socket = path.join(sockDir, 'asm.sock');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function field(s: string): Buffer {
  const b = Buffer.from(s);
  const n = Buffer.alloc(4);
  n.writeUInt32LE(b.length);
  return Buffer.concat([n, b]);
}

/** Pids of servers listening on `sock` (by their command line). */
function servers(sock = socket): number[] {
  const r = spawnSync('pgrep', ['-f', `asm-server.cjs ${sock}`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

function viaClient(args: string[], env: Record<string, string> = {}, sock = socket): Run {
  const r = spawnSync(client, args, { cwd: src, encoding: 'utf8', env: { ...process.env, BOOTLAB_ASM_SOCKET: sock, BOOTLAB_ASM_IDLE_MS: '60000', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function viaNode(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'bootlab.js'), 'asm', ...args], { cwd: src, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const waitFor = async (what: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (what()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return what();
};

beforeAll(() => {
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build-main.js')], { cwd: ROOT, encoding: 'utf8' });
  expect(built.status, built.stderr).toBe(0);
  for (const f of ['out/bootlab-asm', 'out/asm-server.cjs', 'out/asm-cli.cjs', 'bin/bootlab.js', 'package.json']) {
    fs.mkdirSync(path.dirname(path.join(pkg, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(pkg, f));
  }
  fs.chmodSync(client, 0o755);
  fs.mkdirSync(src);
  fs.writeFileSync(path.join(src, 'defs.inc'), 'VIDEO equ 0B800h\n%macro PUT 1\n  mov al, %1\n  stosb\n%endmacro\n');
  fs.writeFileSync(path.join(src, 'boot.asm'), '%include "defs.inc"\nbits 16\norg 0x7c00\nstart: mov ax, VIDEO\n mov es, ax\n PUT 65\n add al, 300\n jmp start\n%defstr WORD %!BOOTLAB_TEST_WORD\nmsg: db WORD, 0\ntimes 510-($-$$) db 0\ndw 0xaa55\n');
  fs.writeFileSync(path.join(src, 'bad.asm'), 'bits 16\nmov ax, 1\nmov ax, nosuch\nfoo bar\n');
  fs.writeFileSync(path.join(src, 'long.asm'), ['bits 64', ...Array.from({ length: 3000 }, (_, i) => `add rax, ${i}\nmov qword [rsp+${i * 8}], rbx`)].join('\n') + '\n');
});

afterAll(() => {
  for (const pid of [...servers(), ...servers(path.join(work, 'other', 'asm.sock'))]) process.kill(pid);
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the request and answer format', () => {
  it('reads a request only once all of it is there, and refuses a malformed one', () => {
    const req = Buffer.concat([field('bootlab-asm/1 x'), field('/w'), field('2'), field('-o'), field('a b.bin'), field('K=v=w'), field('EMPTY='), Buffer.from([255, 255, 255, 255])]);
    for (let n = 0; n < req.length; n++) expect(parseRequest(req.subarray(0, n))).toBeUndefined();
    expect(parseRequest(req)).toEqual({ protocol: 'bootlab-asm/1 x', cwd: '/w', argv: ['-o', 'a b.bin'], env: { K: 'v=w', EMPTY: '' } });
    expect(() => parseRequest(Buffer.concat([field('p'), field('/w'), field('5'), Buffer.from([255, 255, 255, 255])]))).toThrow('malformed request');
    expect([...frame('x', '0')]).toEqual([0x78, 1, 0, 0, 0, 0x30]);
  });
});

describe('bootlab-asm', () => {
  it('gives what `bootlab asm` gives: bytes, warnings, errors, listing, -E, the environment of each run', () => {
    const env = { BOOTLAB_TEST_WORD: 'first' };
    const cases: string[][] = [['-o', 'boot.bin', 'boot.asm'], ['-l', 'boot.lst', '-o', 'boot2.bin', 'boot.asm'], ['bad.asm', '-o', 'bad.bin'], ['-E', 'boot.asm'], ['-Werror', '-o', 'w.bin', 'boot.asm'], ['nosuch.asm'], ['--help']];
    for (const args of cases) {
      const ours = viaClient(args, env);
      const reference = viaNode(args.map((a) => (a.endsWith('.bin') || a.endsWith('.lst') ? `ref-${a}` : a)), env);
      expect(ours.status, args.join(' ')).toBe(reference.status);
      expect(ours.stdout.replaceAll('ref-', '')).toBe(reference.stdout.replaceAll('ref-', ''));
      expect(ours.stderr).toBe(reference.stderr);
      for (const out of args.filter((a) => a.endsWith('.bin') || a.endsWith('.lst'))) {
        expect(fs.existsSync(path.join(src, out))).toBe(fs.existsSync(path.join(src, `ref-${out}`)));
        if (fs.existsSync(path.join(src, out))) expect(fs.readFileSync(path.join(src, out)).equals(fs.readFileSync(path.join(src, `ref-${out}`)))).toBe(true);
      }
    }
    // The server (started by the first run, with its environment) reads each run's own environment.
    expect(viaClient(['-o', 'boot.bin', 'boot.asm'], { BOOTLAB_TEST_WORD: 'second' }).status).toBe(0);
    expect(fs.readFileSync(path.join(src, 'boot.bin')).includes('second')).toBe(true);
    // And the bytes are NASM's.
    execFileSync('nasm', ['-f', 'bin', '-o', 'nasm.bin', 'boot.asm'], { cwd: src, env: { ...process.env, BOOTLAB_TEST_WORD: 'second' }, stdio: 'ignore' });
    expect(fs.readFileSync(path.join(src, 'boot.bin')).equals(fs.readFileSync(path.join(src, 'nasm.bin')))).toBe(true);
  });

  it('keeps one server for many runs, in a directory only the user may enter', () => {
    const first = servers();
    expect(first).toHaveLength(1);
    for (let i = 0; i < 5; i++) expect(viaClient(['-o', 'long.bin', 'long.asm']).status).toBe(0);
    expect(servers()).toEqual(first);
    expect(fs.statSync(sockDir).mode & 0o777).toBe(0o700);
    execFileSync('nasm', ['-f', 'bin', '-o', 'long-nasm.bin', 'long.asm'], { cwd: src });
    expect(fs.readFileSync(path.join(src, 'long.bin')).equals(fs.readFileSync(path.join(src, 'long-nasm.bin')))).toBe(true);
  });

  it('leaves a failed run’s existing output alone, as `bootlab asm` does', () => {
    fs.writeFileSync(path.join(src, 'keep.bin'), 'made by the user');
    expect(viaClient(['-o', 'keep.bin', 'bad.asm']).status).toBe(1);
    expect(fs.readFileSync(path.join(src, 'keep.bin'), 'utf8')).toBe('made by the user');
  });

  it('the server leaves after its idle time and removes its socket', async () => {
    const sock = path.join(work, 'idle', 'asm.sock');
    expect(viaClient(['-o', 'i.bin', 'boot.asm'], { BOOTLAB_ASM_IDLE_MS: '300' }, sock).status).toBe(0);
    expect(await waitFor(() => servers(sock).length === 0 && !fs.existsSync(sock), 10_000)).toBe(true);
  });

  it('assembles directly where the socket directory is not private, starting no server and changing nothing', () => {
    const open = path.join(work, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    const sock = path.join(open, 'asm.sock');
    const r = viaClient(['-o', 'open.bin', 'boot.asm'], { BOOTLAB_TEST_WORD: 'second' }, sock);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readFileSync(path.join(src, 'open.bin')).equals(fs.readFileSync(path.join(src, 'nasm.bin')))).toBe(true);
    expect(servers(sock)).toEqual([]);
    expect(fs.existsSync(sock)).toBe(false);
    expect(fs.statSync(open).mode & 0o777).toBe(0o777);
  });

  /** Runs the client without blocking this process's event loop (a server may run in it). */
  const clientAsync = (args: string[], sock: string): Promise<number | null> =>
    new Promise((resolve) => {
      const child = spawn(client, args, { cwd: src, env: { ...process.env, BOOTLAB_ASM_SOCKET: sock, BOOTLAB_TEST_WORD: 'second' }, stdio: 'ignore' });
      child.on('close', (code) => resolve(code));
    });

  it('assembles directly when the server there is another build’s', async () => {
    const dir = path.join(work, 'other');
    fs.mkdirSync(dir, { mode: 0o700 });
    const sock = path.join(dir, 'asm.sock');
    let calls = 0;
    const stop = new AbortController();
    const other = serveAsm(sock, { protocol: 'bootlab-asm/1 another-build', idleMs: 60_000, signal: stop.signal, run: async () => ++calls });
    expect(await waitFor(() => fs.existsSync(sock), 5000)).toBe(true);
    expect(await clientAsync(['-o', 'other.bin', 'boot.asm'], sock)).toBe(0);
    expect(calls).toBe(0);
    expect(fs.readFileSync(path.join(src, 'other.bin')).equals(fs.readFileSync(path.join(src, 'nasm.bin')))).toBe(true);
    stop.abort();
    expect(await other).toBeUndefined();
    expect(fs.existsSync(sock)).toBe(false);
  });

  it('replaces the socket file of a server that died', async () => {
    const dir = path.join(work, 'dead');
    fs.mkdirSync(dir, { mode: 0o700 });
    const sock = path.join(dir, 'asm.sock');
    // A listener killed outright leaves its socket file with no one behind it.
    const holder = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('close', resolve));
    expect(fs.existsSync(sock)).toBe(true);
    expect(await clientAsync(['-o', 'dead.bin', 'boot.asm'], sock)).toBe(0);
    expect(servers(sock)).toHaveLength(1);
    expect(fs.readFileSync(path.join(src, 'dead.bin')).equals(fs.readFileSync(path.join(src, 'nasm.bin')))).toBe(true);
    for (const pid of servers(sock)) process.kill(pid);
  });
});
