// The probe cache runs a probe once per key, across processes (the disk file), and runs it again
// when anything in the key changes: the program file, a named file (Cargo.toml), rustup's state.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createProbeCache, fileStamp } from './probeCache.js';
import { capture } from './proc.js';

const tmp = mkdtempSync(join(tmpdir(), 'bootlab-probe-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A real program that appends a line to `log` each time it runs and prints `answer`. */
function countingProgram(dir: string, name: string, answer: string): { program: string; runs: () => number } {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, `${name}.runs`);
  const program = join(dir, name);
  writeFileSync(program, `#!/bin/sh\necho run >> '${log}'\necho '${answer}'\n`);
  chmodSync(program, 0o755);
  return { program, runs: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
}

describe.runIf(process.platform !== 'win32')('probe cache', () => {
  it('runs a probe once, in this process and in the next (disk), and again when the program changes', async () => {
    const { program, runs } = countingProgram(join(tmp, 'a'), 'rustc', 'rustc 1.96.0');
    const file = join(tmp, 'a', 'probes.json');
    const first = createProbeCache(capture, file);
    expect((await first.capture(program, ['-vV'])).stdout).toBe('rustc 1.96.0\n');
    expect((await first.capture(program, ['-vV'])).stdout).toBe('rustc 1.96.0\n');
    expect(runs()).toBe(1);
    expect(first.counts).toEqual({ ran: 1, memory: 1, disk: 0 });

    // A new process: the answer comes from the file.
    const second = createProbeCache(capture, file);
    expect((await second.capture(program, ['-vV'])).stdout).toBe('rustc 1.96.0\n');
    expect(second.counts).toEqual({ ran: 0, memory: 0, disk: 1 });
    // Other arguments are another probe.
    await second.capture(program, ['--print', 'sysroot']);
    expect(runs()).toBe(2);

    // An updated toolchain (the program file changed): asked again.
    writeFileSync(program, readFileSync(program, 'utf8').replace('1.96.0', '1.97.0'));
    const third = createProbeCache(capture, file);
    expect((await third.capture(program, ['-vV'])).stdout).toBe('rustc 1.97.0\n');
    expect(runs()).toBe(3);
  });

  it('keys cargo metadata by the files the caller names', async () => {
    const { program, runs } = countingProgram(join(tmp, 'b'), 'cargo', '{}');
    const manifest = join(tmp, 'b', 'Cargo.toml');
    writeFileSync(manifest, '[package]\nname = "k"\n');
    const cache = () => createProbeCache(capture, join(tmp, 'b', 'probes.json'));
    await cache().capture(program, ['metadata'], { stamps: [fileStamp(manifest)] });
    await cache().capture(program, ['metadata'], { stamps: [fileStamp(manifest)] });
    expect(runs()).toBe(1);
    utimesSync(manifest, new Date(), new Date(Date.now() + 5000));
    await cache().capture(program, ['metadata'], { stamps: [fileStamp(manifest)] });
    expect(runs()).toBe(2);
  });

  it("asks a rustup proxy again when rustup's choice can change", async () => {
    const bin = join(tmp, 'c', 'cargo-home', 'bin');
    const rustupHome = join(tmp, 'c', 'rustup-home');
    mkdirSync(join(rustupHome, 'toolchains'), { recursive: true });
    const { program, runs } = countingProgram(bin, 'cargo', 'cargo 1.95.0');
    writeFileSync(join(bin, 'rustup'), '');
    const project = join(tmp, 'c', 'project');
    mkdirSync(project, { recursive: true });
    const env = { ...process.env, RUSTUP_HOME: rustupHome };
    const cache = () => createProbeCache(capture, join(tmp, 'c', 'probes.json'));
    await cache().capture(program, ['-V'], { env, cwd: project });
    await cache().capture(program, ['-V'], { env, cwd: project });
    expect(runs()).toBe(1);
    // A rust-toolchain file in the project picks another toolchain.
    writeFileSync(join(project, 'rust-toolchain.toml'), '[toolchain]\nchannel = "nightly"\n');
    await cache().capture(program, ['-V'], { env, cwd: project });
    expect(runs()).toBe(2);
    // So does RUSTUP_TOOLCHAIN.
    await cache().capture(program, ['-V'], { env: { ...env, RUSTUP_TOOLCHAIN: 'stable' }, cwd: project });
    expect(runs()).toBe(3);
  });

  it('keeps no failed answer', async () => {
    const program = join(tmp, 'fails');
    writeFileSync(program, `#!/bin/sh\necho run >> '${program}.runs'\nexit 3\n`);
    chmodSync(program, 0o755);
    const cache = createProbeCache(capture, join(tmp, 'fails.json'));
    expect((await cache.capture(program, [])).code).toBe(3);
    expect((await cache.capture(program, [])).code).toBe(3);
    expect(readFileSync(`${program}.runs`, 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });
});
