// Helpers shared by the services' integration tests: tiny boot-sector images, the process
// table, the shared cargo target folder for test crates, a plain QEMU boot with serial on stdio.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OvmfFirmware } from './ovmf.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** One cargo target folder for every test crate: core is built once (about 20 s). */
export const TEST_TARGET_DIR = join(REPO_ROOT, '.cache', 'test-target');
/** The outcome kernels built with frame pointers (RUSTFLAGS of their own, so a folder of their own). */
export const FRAME_POINTER_TARGET_DIR = join(REPO_ROOT, '.cache', 'test-target-frame-pointers');
/** Those RUSTFLAGS: the crate's own (static at 0x200000) plus frame pointers. */
export const FRAME_POINTER_RUSTFLAGS = '-C relocation-model=static -C link-arg=--image-base=0x200000 -C force-frame-pointers=yes';
/** The conformance kernel's variants (features, static and PIE) share their own target folder. */
export const CONFORMANCE_TARGET_DIR = join(REPO_ROOT, '.cache', 'conformance-target');

/** A 512-byte boot sector from the given code bytes (hex), with the 0xAA55 signature. */
export function bootSector(hex: string): Buffer {
  const code = Buffer.from(hex.replace(/\s+/g, ''), 'hex');
  const sector = Buffer.alloc(512);
  code.copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Writes "L\n" to port 0xE9, "Hi\n" to COM1, then 0x10 to isa-debug-exit (status 33). */
export const HELLO_EXIT = 'bae900b04ceeb00aeebaf803b048eeb069eeb00aeebaf400b010eef4ebfd';
/** Writes "Hi\n" to COM1, then spins forever. */
export const HELLO_HANG = 'baf803b048eeb069eeb00aeeebfe';
/** Writes "T" to COM1, loads an empty IDT and executes int3: #GP, #DF, triple fault. */
export const TRIPLE_FAULT = 'fabaf803b054ee0f011e0d7ccc000000000000';

export function writeImage(path: string, hex: string): string {
  writeFileSync(path, bootSector(hex));
  return path;
}

/** PIDs of running processes whose command line contains `needle` (Linux /proc). */
export function processesMatching(needle: string): { pid: number; cmd: string }[] {
  const found: { pid: number; cmd: string }[] = [];
  if (process.platform === 'linux') {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (/^\d+ \(.*\) Z/.test(stat)) continue; // zombies are gone already
        let cwd = '';
        try {
          cwd = readlinkSync(`/proc/${entry}/cwd`);
        } catch {
          cwd = '';
        }
        if (cmd.includes(needle) || cwd.includes(needle)) found.push({ pid: Number(entry), cmd: `${cmd} (in ${cwd})` });
      } catch {
        // exited meanwhile
      }
    }
  } else {
    const out = execFileSync('ps', ['-axo', 'pid=,command='], { encoding: 'utf8' });
    for (const line of out.split('\n')) {
      const m = /^\s*(\d+)\s+(.*)$/.exec(line);
      if (m && m[2]!.includes(needle)) found.push({ pid: Number(m[1]), cmd: m[2]! });
    }
  }
  return found.filter((p) => p.pid !== process.pid);
}


/** The parent pid of a live process (Linux /proc), or undefined when it has gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** This process's open sockets (inode numbers, from /proc/self/fd). */
export function openSockets(): string[] {
  const inodes: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.push(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes.sort();
}

/** OVMF's pflash drives for one boot of `image`: the code read-only, a fresh copy of the variable store beside the image. */
export function ovmfDrives(image: string, ovmf: OvmfFirmware): string[] {
  const vars = `${image}.vars.fd`;
  copyFileSync(ovmf.vars!, vars);
  return ['-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${ovmf.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${vars}`];
}

export interface QemuBoot {
  status: number | null;
  /** Serial output without ANSI escape sequences (OVMF's console writes them). */
  serial: string;
  /** The debugcon file's text ('' without one). */
  hostLog: string;
  /** Ended by `until` or by the hang guard rather than by QEMU itself. */
  killed: boolean;
}

/**
 * Runs `qemu-system-x86_64 args` (which put serial on stdio) until QEMU exits, or until serial
 * matched `until` and `untilGraceMs` more passed (a halted guest sends nothing more), or the hang
 * guard fired. Resolves on 'close', not 'exit': on a loaded machine QEMU's last serial bytes can
 * still be in the pipe when its exit is reported.
 */
export function bootQemu(args: string[], options: { guardMs: number; debugcon?: string; until?: RegExp; untilGraceMs?: number }): Promise<QemuBoot> {
  return new Promise((resolveBoot, reject) => {
    const child = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let serial = '';
    let killed = false;
    let ending = false;
    const kill = () => {
      if (child.exitCode === null && !killed) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    const guard = setTimeout(kill, options.guardMs);
    let graceTimer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      serial += d.toString('latin1');
      if (!ending && options.until?.test(serial)) {
        ending = true;
        graceTimer = setTimeout(kill, options.untilGraceMs ?? 0);
      }
    });
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(guard);
      clearTimeout(graceTimer);
      const hostLog = options.debugcon && existsSync(options.debugcon) ? readFileSync(options.debugcon, 'latin1') : '';
      resolveBoot({ status, killed, serial: serial.replace(/\x1b\[[0-9;=?]*[A-Za-z]/g, ''), hostLog });
    });
  });
}
