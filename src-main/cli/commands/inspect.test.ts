// `bootlab inspect` through the real executable (bin/bootlab.js -> out/cli.js) with real cargo
// and QEMU: the sample kernel's segments are all mapped as its ELF says (N/N, status 0); the
// remap-rodata fixture, which makes a page of its .rodata writable, is caught (N-1/N, status 1)
// with the page named.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PT_LOAD, readElf } from '../../elf/index.js';
import { cargoInvocation } from '../../services/cargo.js';
import { REPO_ROOT, TEST_TARGET_DIR } from '../../services/testkit.js';
import { findRust } from '../../services/toolchain.js';
import { formatReport, mappingLine, sizeText } from './inspectReport.js';

const BIN = join(REPO_ROOT, 'bin', 'bootlab.js');
/**
 * The sample kernel, copied under a package name of its own: every copy of a crate shares one
 * cargo fingerprint in a shared target folder (cargo hashes a root package's path relative to its
 * workspace), so a patched copy that another test built later would pass for "fresh" here.
 */
const SAMPLE_NAME = 'inspect-sample-kernel';
let sampleParent: string;
let SAMPLE: string;
const REMAP = join(REPO_ROOT, 'fixtures', 'crates', 'remap-rodata');
const OUTCOMES = join(REPO_ROOT, 'fixtures', 'crates', 'outcomes');
const BLOG_TESTS = join(REPO_ROOT, 'fixtures', 'crates', 'blog-tests');
/** The blog-style stack_overflow test executable (its own GDT, TSS with IST 1, IDT). */
let stackOverflowExe: string;
/** The outcomes crate's `panic` kernel with a panic handler that spins instead of halting. */
let spinPanicExe: string;
/** The 0.11 conformance kernel with the config that asks for ASLR (every Dynamic place random). */
let aslrExe: string;

function inspect(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'inspect', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR },
    encoding: 'utf8',
    // A hang guard only: both kernels halt by themselves within seconds.
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function loadSegments(elfPath: string) {
  return readElf(readFileSync(elfPath)).programHeaders.filter((p) => p.type === PT_LOAD && p.memsz > 0n);
}

/** The lines of one section (from its header to the next unindented line). */
function section(stdout: string, name: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.indexOf(name);
  if (start < 0) throw new Error(`no section ${name} in:\n${stdout}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => !l.startsWith('  '));
  return rest.slice(0, end < 0 ? undefined : end).map((l) => l.slice(2));
}

const MAPPING = /^0x([0-9a-f]+)\.\.0x([0-9a-f]+) -> 0x([0-9a-f]+) (\d+[KMGT]|\d+B) ([R-][W-][X-]) (4K|2M|1G) (.+)$/;

beforeAll(async () => {
  sampleParent = mkdtempSync(join(tmpdir(), 'bootlab inspect ü-'));
  SAMPLE = join(sampleParent, SAMPLE_NAME);
  const source = join(REPO_ROOT, 'resources', 'sample-kernel');
  cpSync(source, SAMPLE, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(source.length)) });
  const manifest = join(SAMPLE, 'Cargo.toml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/^name = "sample-kernel"$/gm, `name = "${SAMPLE_NAME}"`));
  const built = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-main.js')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling the CLI failed: ${built.stderr}`);
  const { rust } = await findRust();
  if (!rust) throw new Error('these tests need a Rust toolchain that can build kernels (see bootlab doctor)');
  const inv = cargoInvocation({ projectDir: OUTCOMES, toolchain: rust, subcommand: 'build', targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  const r = spawnSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`building the outcome kernels failed:\n${r.stderr}`);
  // A copy under a package name of its own (see SAMPLE_NAME), its panic handler spinning.
  const spinPanic = join(sampleParent, 'inspect-spin-panic');
  cpSync(OUTCOMES, spinPanic, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(OUTCOMES.length)) });
  const spinManifest = join(spinPanic, 'Cargo.toml');
  // Its binary gets a name of its own too: the outcomes crate's `panic` shares the target folder.
  writeFileSync(spinManifest, readFileSync(spinManifest, 'utf8').replace(/^name = "outcomes"$/m, 'name = "inspect-spin-panic"').replace(/^name = "panic"$/m, 'name = "spin_panic"'));
  const spinMain = join(spinPanic, 'src', 'main.rs');
  const handler = /(fn panic\(info: &core::panic::PanicInfo\) -> ! \{\n.*\n) {4}halt\(\)\n/;
  if (!handler.test(readFileSync(spinMain, 'utf8'))) throw new Error('the outcomes panic handler changed: update this test');
  writeFileSync(spinMain, readFileSync(spinMain, 'utf8').replace(handler, '$1    loop {\n        core::hint::spin_loop();\n    }\n').replace('"panic" =>', '"spin_panic" =>'));
  const spinInv = cargoInvocation({ projectDir: spinPanic, toolchain: rust, subcommand: 'build', extraArgs: ['--bin', 'spin_panic'], targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  const sp = spawnSync(spinInv.command, spinInv.args, { cwd: spinInv.cwd, env: spinInv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (sp.status !== 0) throw new Error(`building the spinning panic kernel failed:\n${sp.stderr}`);
  spinPanicExe = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'spin_panic');
  // The 0.11 conformance kernel built with its ASLR config, copied under names of its own (its
  // default build shares the target folder), its path dependency made absolute.
  const conformance = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance-011');
  const aslrCrate = join(sampleParent, 'inspect-aslr-011');
  cpSync(conformance, aslrCrate, { recursive: true, filter: (src) => !/[\\/]target([\\/]|$)/.test(src.slice(conformance.length)) });
  const aslrManifest = join(aslrCrate, 'Cargo.toml');
  writeFileSync(
    aslrManifest,
    readFileSync(aslrManifest, 'utf8')
      .replace(/^name = "conformance-011"$/gm, 'name = "inspect-aslr-011"')
      .replace('path = "../../crates/bootloader_api"', `path = ${JSON.stringify(join(REPO_ROOT, 'fixtures', 'crates', 'bootloader_api'))}`),
  );
  rmSync(join(aslrCrate, 'Cargo.lock'), { force: true });
  const aslrInv = cargoInvocation({ projectDir: aslrCrate, toolchain: rust, subcommand: 'build', extraArgs: ['--bin', 'inspect-aslr-011', '--features', 'dynamic-maps,aslr'], targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  const ab = spawnSync(aslrInv.command, aslrInv.args, { cwd: aslrInv.cwd, env: aslrInv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (ab.status !== 0) throw new Error(`building the ASLR 0.11 kernel failed:\n${ab.stderr}`);
  aslrExe = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'inspect-aslr-011');
  const testInv = cargoInvocation({ projectDir: BLOG_TESTS, toolchain: rust, subcommand: 'test', extraArgs: ['--no-run', '--test', 'stack_overflow'], targetDir: TEST_TARGET_DIR, messageFormat: 'json', color: 'never' });
  const t = spawnSync(testInv.command, testInv.args, { cwd: testInv.cwd, env: testInv.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  if (t.status !== 0) throw new Error(`building the stack_overflow test failed:\n${t.stderr}`);
  const artifact = t.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { reason?: string; target?: { name?: string }; executable?: string | null })
    .find((m) => m.reason === 'compiler-artifact' && m.target?.name === 'stack_overflow' && m.executable);
  if (!artifact) throw new Error('cargo named no stack_overflow test executable');
  stackOverflowExe = artifact.executable!;
});

afterAll(() => rmSync(sampleParent, { recursive: true, force: true }));

describe('bootlab inspect', () => {
  it('the sample kernel: every segment mapped with the ELF permissions, N/N and status 0', () => {
    const r = inspect([SAMPLE, '--after', '60']);
    expect(r.stderr).toContain('The sample kernel is done.');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('paused: the kernel halted (HLT with interrupts disabled)');
    // The sections in order.
    expect(lines.filter((l) => !l.startsWith(' ')).slice(1, 7)).toEqual(['registers', 'control', 'gdt', 'idt', 'mappings', 'segments']);
    expect(section(r.stdout, 'registers')[0]).toMatch(/^mode long, CPL 0/);
    // Each segment register with its cached descriptor in words.
    expect(section(r.stdout, 'registers')).toEqual(expect.arrayContaining(['CS =0x0008 base 0x0 limit 0xffffffff attributes 0x00af9b00 (code 64-bit, readable, accessed, DPL 0)']));
    expect(section(r.stdout, 'control')).toEqual(expect.arrayContaining([expect.stringMatching(/^CR0=0x[0-9a-f]+ PG .*PE$/), expect.stringMatching(/^EFER=0x[0-9a-f]+ NXE LMA LME$/)]));
    expect(section(r.stdout, 'gdt')).toEqual(expect.arrayContaining([expect.stringMatching(/^0x08 code 64-bit/)]));

    const elfPath = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', SAMPLE_NAME);
    const loads = loadSegments(elfPath);
    const mappings = section(r.stdout, 'mappings').map((l) => MAPPING.exec(l));
    expect(mappings.every(Boolean), section(r.stdout, 'mappings').join('\n')).toBe(true);
    // Each PT_LOAD segment lies inside runs whose permissions are the ELF's.
    for (const p of loads) {
      const flags = `R${p.flags & 2 ? 'W' : '-'}${p.flags & 1 ? 'X' : '-'}`;
      const covering = mappings.filter((m) => BigInt(`0x${m![1]}`) < p.vaddr + p.memsz && BigInt(`0x${m![2]}`) > p.vaddr);
      expect(covering.length).toBeGreaterThan(0);
      for (const m of covering) {
        expect(m![5]).toBe(flags);
        expect(m![7]).toContain(`kernel segment ${p.index}`);
      }
    }
    // The 1 TiB physical-memory window of 2 MiB pages is one line.
    expect(mappings.filter((m) => m![7] === 'physical-memory window').map((m) => [m![4], m![6]])).toEqual([['1T', '2M']]);
    expect(lines.at(-1)).toBe(`elf segments: ${loads.length}/${loads.length} mapped with the ELF's permissions`);
  });

  it('the sample kernel under UEFI (--firmware uefi): its segments, stack and window mapped, N/N', () => {
    const r = inspect([SAMPLE, '--firmware', 'uefi', '--after', '120']);
    expect(r.stderr).toContain('The sample kernel is done.');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0], r.stderr).toBe('paused: the kernel halted (HLT with interrupts disabled)');
    const loads = loadSegments(join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', SAMPLE_NAME));
    const whats = section(r.stdout, 'mappings').map((l) => MAPPING.exec(l)?.[7]);
    expect(whats).toEqual(expect.arrayContaining([expect.stringMatching(/^kernel segment \d+ \(\.text/), expect.stringMatching(/^stack \(guard page 0x[0-9a-f]+\)$/), 'boot info', 'physical-memory window']));
    expect(lines.at(-1)).toBe(`elf segments: ${loads.length}/${loads.length} mapped with the ELF's permissions`);
    expect(r.status, r.stderr).toBe(0);
  });

  it('remap-rodata: the page it made writable is named, N-1/N and status 1', () => {
    const r = inspect([REMAP, '--after', '60']);
    expect(r.stderr).toContain('is now writable');
    expect(r.status, r.stderr).toBe(1);
    const elfPath = join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'remap-rodata');
    const elf = readElf(readFileSync(elfPath));
    const message = elf.symbols.find((s) => s.name.includes('7MESSAGE'))!;
    const page = message.value & ~0xfffn;
    const loads = loadSegments(elfPath);
    const rodata = loads.find((p) => p.vaddr <= message.value && message.value < p.vaddr + p.memsz)!;
    expect(rodata.flags & 2).toBe(0);
    const segments = section(r.stdout, 'segments');
    expect(segments).toContain(
      `segment ${rodata.index} 0x${rodata.vaddr.toString(16)}..0x${(rodata.vaddr + rodata.memsz).toString(16)} R-- (.rodata): 0x${page.toString(16)}..0x${(page + 0x1000n).toString(16)} is RW-, the ELF says R--`,
    );
    expect(segments.filter((l) => l.endsWith('mapped as the ELF says'))).toHaveLength(loads.length - 1);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`elf segments: ${loads.length - 1}/${loads.length} mapped with the ELF's permissions`);
  });

  it('a triple fault: paused at the shutdown with the faulting address in CR2 and RIP at the read', () => {
    const r = inspect([join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'triple_fault'), '--after', '60']);
    expect(r.stdout.split('\n')[0]).toBe('paused: the guest shut down (a triple fault?)');
    expect(section(r.stdout, 'control')).toContain('CR2=0xdeadbeef000');
    expect(section(r.stdout, 'registers')).toEqual(expect.arrayContaining([expect.stringMatching(/^RIP=0x[0-9a-f]{16} core::ptr::read_volatile/)]));
    // Its segments are intact: the fault is the read of an unmapped address, not a bad mapping.
    expect(r.status, r.stderr).toBe(0);
  });

  it('a bootloader_api 0.11 kernel, under SeaBIOS and OVMF: RELRO read-only as the ELF says, the framebuffer named, N/N', () => {
    const kernel011 = join(REPO_ROOT, 'fixtures', 'kernels', 'conformance-011');
    for (const firmware of ['bios', 'uefi']) {
      const r = inspect([kernel011, '--firmware', firmware, '--after', '120']);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0], `${firmware}: ${r.stderr}`).toBe('paused: the kernel halted (HLT with interrupts disabled)');
      const mappings = section(r.stdout, 'mappings').map((l) => MAPPING.exec(l));
      expect(mappings.every(Boolean), section(r.stdout, 'mappings').join('\n')).toBe(true);
      // The segment holding .data.rel.ro (PT_GNU_RELRO) is RW- in its flags and mapped R--.
      const relro = mappings.find((m) => m![7].includes('.data.rel.ro'));
      expect(relro![5]).toBe('R--');
      expect(section(r.stdout, 'segments').find((l) => l.includes('.data.rel.ro'))).toMatch(/ RW- \(.*\): mapped as the ELF says$/);
      expect(mappings.filter((m) => m![7] === 'framebuffer').map((m) => m![5])).toEqual(['RW-']);
      expect(lines.at(-1)).toMatch(/^elf segments: (\d+)\/\1 mapped with the ELF's permissions$/);
      expect(r.status, r.stderr).toBe(0);
    }
  });

  it('a bootloader_api 0.11 kernel whose config asks for ASLR: the layout from the boot log, not from a plan made again', () => {
    const r = inspect([aslrExe, '--after', '120']);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0], r.stderr).toBe('paused: the kernel halted (HLT with interrupts disabled)');
    const whats = section(r.stdout, 'mappings').map((l) => MAPPING.exec(l)?.[7]);
    // Where the loader really put each part: the kernel's segments, its stack and boot info.
    expect(whats).toEqual(expect.arrayContaining([expect.stringMatching(/^kernel segment \d+ \(\.text/), expect.stringMatching(/^stack \(guard page 0x[0-9a-f]+\)$/), 'boot info']));
    expect(lines.at(-1)).toMatch(/^elf segments: (\d+)\/\1 mapped with the ELF's permissions$/);
    expect(r.status, r.stderr).toBe(0);
  });

  it("a panic whose handler spins (the blog's `loop {}`) pauses at the panic, not after --after", () => {
    const r = inspect([spinPanicExe, '--after', '120']);
    expect(r.stdout.split('\n')[0], r.stderr).toMatch(/^paused: the kernel panicked at src\/main\.rs:\d+:5: out of frames \(0 left\)$/);
    expect(r.status, r.stderr).toBe(0);
  });

  it('an idle kernel (sti; hlt) is not halted: paused after --after', () => {
    const r = inspect([join(TEST_TARGET_DIR, 'x86_64-unknown-none', 'debug', 'idle'), '--after', '1']);
    expect(r.stdout.split('\n')[0]).toBe('paused: paused after 1 s');
    expect(section(r.stdout, 'registers')).toEqual(expect.arrayContaining([expect.stringMatching(/^RIP=0x[0-9a-f]{16} \w+::idle \(src\/main\.rs:\d+\)$/)]));
  });

  it("a kernel with its own GDT, TSS and IDT: the TSS's IST stack and the double-fault gate with its handler", () => {
    const r = spawnSync(process.execPath, [BIN, 'inspect', stackOverflowExe, '--after', '60'], { cwd: BLOG_TESTS, env: { ...process.env, CARGO_TARGET_DIR: TEST_TARGET_DIR }, encoding: 'utf8', timeout: 300_000 });
    expect(r.stdout.split('\n')[0], r.stderr).toBe('paused: the kernel halted (HLT with interrupts disabled)');
    const gdt = section(r.stdout, 'gdt');
    const tssEntry = gdt.find((l) => / 64-bit TSS \(busy\): base 0x[0-9a-f]+ limit 0x67 DPL 0$/.test(l));
    expect(tssEntry, gdt.join('\n')).toBeDefined();
    const tssBase = / base (0x[0-9a-f]+) /.exec(tssEntry!)![1];
    expect(gdt).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^TSS \\(TR 0x${tssEntry!.slice(2, 4)}\\) at ${tssBase}: RSP0=0x0 RSP1=0x0 RSP2=0x0 IST1=0x[1-9a-f][0-9a-f]+ IST2=0x0`))]));
    expect(section(r.stdout, 'idt')).toEqual(expect.arrayContaining([expect.stringMatching(/^vector 8 interrupt gate, IST 1 -> 0x0008:0x[0-9a-f]+ stack_overflow::double_fault_handler \(tests\/stack_overflow\.rs:\d+\) DPL 0$/)]));
    expect(r.status, r.stderr).toBe(0);
  });

  it('refuses a bad --after and a missing kernel with a clear message', () => {
    const bad = inspect([SAMPLE, '--after', 'soon']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--after needs a number of seconds between 0 and 86400, not "soon"');
    const missing = inspect([join(REPO_ROOT, 'no-such-kernel')]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`bootlab inspect: ${join(REPO_ROOT, 'no-such-kernel')} does not exist`);
  });
});

describe('inspect report format', () => {
  it('sizes in the largest exact unit, mapping lines as the issue specifies', () => {
    expect([sizeText(4096n), sizeText(0x200000n), sizeText(1n << 40n), sizeText(0x3000n), sizeText(100n)]).toEqual(['4K', '2M', '1T', '12K', '100B']);
    const run = { virtualStart: 0x200000n, virtualEnd: 0x204000n, physicalStart: 0x100000n, pageSize: 4096, writable: false, user: true, executable: true, global: true };
    expect(mappingLine(run, 'kernel segment 2 (.text)')).toBe('0x200000..0x204000 -> 0x100000 16K R-X 4K kernel segment 2 (.text) [user, global]');
  });

  it('paging off: no mappings, the reason said, 0/M', () => {
    const cpu = {
      mode: 'protected' as const,
      general: [{ name: 'EAX', value: 1n }],
      rip: 0x7c00n,
      rflags: 2n,
      cpl: 0,
      halted: true,
      a20: true,
      segments: [],
      gdt: { base: 0n, limit: 0 },
      idt: { base: 0n, limit: 0 },
      cr0: 0x11n,
      cr2: 0n,
      cr3: 0n,
      cr4: 0n,
      efer: 0n,
    };
    const segment = { index: 1, vaddr: 0x200000n, memsz: 0x1000n, writable: false, executable: true, sections: ['.text'] };
    const report = formatReport({ cpu, descriptors: { gdt: [], idt: [] }, notes: ['paging is off (CR0.PG clear): no page tables to walk'], segmentChecks: [{ segment, expected: 'R-X', ok: false, differences: [{ kind: 'missing', start: 0x200000n, end: 0x201000n }] }], reads: 0, bytes: 0 });
    expect(report.text).toContain('mappings\n  paging is off (CR0.PG clear): no page tables to walk\nsegments\n  segment 1 0x200000..0x201000 R-X (.text): 0x200000..0x201000 is not mapped\n');
    expect(report.text.trimEnd().split('\n').at(-1)).toBe("elf segments: 0/1 mapped with the ELF's permissions");
    expect(report.text).toContain('EIP=0x00007c00');
  });
});
