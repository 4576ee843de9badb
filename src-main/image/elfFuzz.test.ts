// Fuzzing the kernel path: 10,000 real kernels with mutated headers (ELF header, program headers,
// section headers, truncation) through readElf, makePlan and the plan encoder. Every outcome is a
// plan or a typed error (ElfError or PlanError) with a message naming a field; never another
// exception. The work is bounded by counting it, not by a clock: each plan's runs and payload
// pages are bounded by the file's size and segment count (a huge p_memsz is one zero-fill run).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElfError, PF_R, PF_W, PF_X, PT_DYNAMIC, PT_LOAD, PT_TLS, readElf } from '../elf/index.js';
import { code, synthElf } from '../elf/synth.test-helper.js';
import { cargoInvocation } from '../services/cargo.js';
import { REPO_ROOT, TEST_TARGET_DIR } from '../services/testkit.js';
import { findRust } from '../services/toolchain.js';
import { encodePlan, layoutDisk } from './disk.js';
import { makePlan, MAX_PAGE_RUNS, PlanError } from './plan.js';

/**
 * A real kernel reduced to what booting reads: the ELF header, the program headers and the
 * segments' bytes, without section headers, symbols and debug info (megabytes in a debug build,
 * which would make 10,000 cases slow without testing anything the loader uses).
 */
function loadableOnly(full: Uint8Array): Uint8Array {
  const elf = readElf(full);
  let end = elf.header.phoff + elf.header.phnum * 56;
  for (const p of elf.programHeaders) if (p.type === PT_LOAD || p.type === PT_DYNAMIC || p.type === PT_TLS) end = Math.max(end, p.offset + p.filesz);
  const out = full.slice(0, end);
  const v = new DataView(out.buffer);
  v.setBigUint64(40, 0n, true); // e_shoff
  v.setUint16(60, 0, true); // e_shnum
  v.setUint16(62, 0, true); // e_shstrndx
  return out;
}

function buildKernel(projectDir: string, binary: string[], args: string[] = []): Uint8Array {
  const rust = rustToolchain!;
  const inv = cargoInvocation({ projectDir, toolchain: rust, subcommand: 'build', extraArgs: args, targetDir: TEST_TARGET_DIR, messageFormat: null, color: 'never' });
  execFileSync(inv.command, inv.args, { cwd: inv.cwd, env: inv.env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  return new Uint8Array(readFileSync(join(TEST_TARGET_DIR, ...binary)));
}

let rustToolchain: Awaited<ReturnType<typeof findRust>>['rust'];
const bases: { name: string; bytes: Uint8Array; features: string[] }[] = [];

beforeAll(async () => {
  rustToolchain = (await findRust()).rust;
  if (!rustToolchain) throw new Error('no Rust toolchain that can build kernels (see TOOLCHAIN.md)');
  // The sample kernel (x86_64-unknown-none) and the blog's kernel (ET_EXEC at 0x200000, JSON
  // target), both real rustc + ld.lld output.
  const sample = buildKernel(join(REPO_ROOT, 'resources', 'sample-kernel'), ['x86_64-unknown-none', 'debug', 'sample-kernel']);
  const blog = buildKernel(join(REPO_ROOT, 'fixtures', 'crates', 'blog-tests'), ['x86_64-blog_os', 'debug', 'blog_os'], ['--bin', 'blog_os']);
  bases.push({ name: 'sample-kernel', bytes: loadableOnly(sample), features: ['map_physical_memory'] });
  bases.push({ name: 'blog_os', bytes: loadableOnly(blog), features: [] });
  // With section headers, a symbol table and .rela.dyn: the reader's section paths.
  bases.push({
    name: 'synthetic PIE',
    bytes: synthElf({
      type: 3,
      entry: 0x1000n,
      segments: [
        { flags: PF_R | PF_X, vaddr: 0x1000n, data: code(0x1800) },
        { flags: PF_R | PF_W, vaddr: 0x3000n, data: new Uint8Array(64).fill(7), memsz: 0x5000n },
      ],
      symbols: [{ name: '_start', value: 0x1000n, size: 16n }],
      relocations: [{ offset: 0x3008n, type: 8, addend: 0x1000n }],
    }),
    features: ['recursive_page_table'],
  });
  // The reduced kernels plan as the full files do (PIE relocations come from PT_DYNAMIC), but for
  // the section-header fields of the ELF header, which the first segment loads.
  for (const [reduced, full] of [[bases[0]!.bytes, sample], [bases[1]!.bytes, blog]] as const) {
    const [a, b] = [makePlan(reduced), makePlan(full)];
    expect(a.runs).toEqual(b.runs);
    expect(a.relocationsApplied).toBe(b.relocationsApplied);
    expect(a.payload.subarray(64)).toEqual(b.payload.subarray(64));
  }
}, 600_000);

/** Values that break things: zero, one, small and page-sized numbers, all ones, sign bits, near the file's size. */
const interesting = (fileSize: number) =>
  fc.oneof(
    fc.constantFrom(0n, 1n, 7n, 56n, 64n, 112n, 0xfffn, 0x1000n, 0x200000n, 0xffffn, 0xffff_ffffn, 0x8000_0000_0000_0000n, 0xffff_ffff_ffff_ffffn, 0x4_0000_0000n, 0x10_0000_0000n),
    fc.integer({ min: -64, max: 64 }).map((d) => BigInt(Math.max(0, fileSize + d))),
    fc.bigInt({ min: 0n, max: 0xffff_ffff_ffff_ffffn }),
  );

/** A write of `width` bytes at a header field: the ELF header, a program header, or a section header. */
interface Mutation {
  region: 'elf' | 'program' | 'section' | 'anywhere';
  index: number;
  field: number;
  width: 1 | 2 | 4 | 8;
  /** `set`: write the value; `add`: add it to the field's current value (small moves keep files plausible). */
  kind: 'set' | 'add';
  value: bigint;
}

/** Program header fields (offset, width): p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align. */
const PHDR_FIELDS = [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 8], [48, 8]] as const;

const mutation = (fileSize: number): fc.Arbitrary<Mutation> =>
  fc.oneof(
    // A whole program-header field, set or moved.
    fc.record({
      region: fc.constant('program'),
      index: fc.nat(16),
      field: fc.constantFrom(...PHDR_FIELDS),
      kind: fc.constantFrom('set', 'add'),
      value: fc.oneof(interesting(fileSize), fc.constantFrom(-0x1000n, -1n, 1n, 0x1000n, 0x10_0000n, 0x1_0000_0000n, 0x4_0000_0000n)),
    }).map(({ field: [field, width], ...m }) => ({ ...m, field, width }) as Mutation),
    // Any bytes of a header, or anywhere in the file.
    fc.record({
      region: fc.constantFrom('elf', 'program', 'section', 'anywhere'),
      index: fc.nat(16),
      field: fc.nat(63),
      width: fc.constantFrom(1, 2, 4, 8),
      kind: fc.constant('set'),
      value: interesting(fileSize),
    }) as fc.Arbitrary<Mutation>,
  );

function apply(base: Uint8Array, mutations: Mutation[], truncate: number | undefined): Uint8Array {
  const bytes = base.slice(0, truncate === undefined ? base.length : Math.min(base.length, truncate));
  const v = new DataView(bytes.buffer);
  const phoff = base.length >= 64 ? Number(new DataView(base.buffer, base.byteOffset).getBigUint64(32, true)) : 64;
  const phnum = base.length >= 64 ? new DataView(base.buffer, base.byteOffset).getUint16(56, true) : 0;
  const shoff = base.length >= 64 ? Number(new DataView(base.buffer, base.byteOffset).getBigUint64(40, true)) : 0;
  for (const m of mutations) {
    let at: number;
    if (m.region === 'elf') at = m.field;
    else if (m.region === 'program') at = phoff + (m.index % Math.max(1, phnum)) * 56 + (m.field % 56);
    else if (m.region === 'section') at = shoff + m.index * 64 + m.field;
    else at = Number(m.value % BigInt(Math.max(1, bytes.length)));
    // Field-aligned writes, as a header field would hold them.
    at -= at % m.width;
    if (at < 0 || at + m.width > bytes.length) continue;
    const read = m.width === 1 ? BigInt(v.getUint8(at)) : m.width === 2 ? BigInt(v.getUint16(at, true)) : m.width === 4 ? BigInt(v.getUint32(at, true)) : v.getBigUint64(at, true);
    const value = (m.kind === 'add' ? read + m.value : m.value) & ((1n << BigInt(8 * m.width)) - 1n);
    if (m.width === 1) v.setUint8(at, Number(value));
    else if (m.width === 2) v.setUint16(at, Number(value), true);
    else if (m.width === 4) v.setUint32(at, Number(value), true);
    else v.setBigUint64(at, value, true);
  }
  return bytes;
}

const LOADER = (() => {
  const sector = new Uint8Array(1024);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
})();

describe('readElf + makePlan on mutated real kernels', () => {
  it('10,000 cases: a plan or a typed error naming a field, never another exception; work bounded by the input', () => {
    const outcomes = { plans: 0, elfErrors: 0, planErrors: 0 };
    let work = 0;
    let bound = 0;
    const testCase = fc
      .nat(bases.length - 1)
      .chain((i) =>
        fc.record({
          base: fc.constant(i),
          mutations: fc.array(mutation(bases[i]!.bytes.length), { minLength: 1, maxLength: 4 }),
          // Truncated in one case out of ten.
          truncate: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.nat(bases[i]!.bytes.length) }),
        }),
      );
    fc.assert(
      fc.property(testCase, ({ base, mutations, truncate }) => {
        const { bytes: original, features } = bases[base]!;
        const bytes = apply(original, mutations, truncate);
        let plan: ReturnType<typeof makePlan>;
        try {
          plan = makePlan(readElf(bytes), { features });
        } catch (e) {
          if (e instanceof ElfError) {
            outcomes.elfErrors++;
            expect(e.message).toMatch(/\(field \S.* at file offset 0x[0-9a-f]+\)$/);
            return;
          }
          if (e instanceof PlanError) {
            outcomes.planErrors++;
            expect(e.message.length).toBeGreaterThan(10);
            expect(e.key).toBeTruthy();
            return;
          }
          throw e;
        }
        outcomes.plans++;
        // Work done for this file: the runs and payload pages the plan holds. Bounded by the
        // file's pages, two runs per segment and the relocated words, never by p_memsz.
        const loads = plan.segments.length;
        const caseWork = plan.runs.length + plan.payloadPages;
        const caseBound = 3 * loads + 2 + Math.ceil(bytes.length / 4096) + 2 * loads + plan.relocationsApplied * 2;
        expect(caseWork).toBeLessThanOrEqual(caseBound);
        expect(plan.runs.length).toBeLessThanOrEqual(MAX_PAGE_RUNS);
        expect(plan.payload.length).toBe(plan.payloadPages * 4096);
        work += caseWork;
        bound += caseBound;
        // The writer takes every plan the planner gives.
        expect(encodePlan(plan, 8).length).toBeGreaterThan(0);
        expect(layoutDisk(LOADER, plan).bytes.length % 512).toBe(0);
      }),
      { numRuns: 10_000 },
    );
    // All three outcomes happen (the mutations reach past the header checks), and the total work
    // stayed within the sum of the per-case bounds.
    expect(outcomes.plans + outcomes.elfErrors + outcomes.planErrors).toBe(10_000);
    expect(outcomes.plans).toBeGreaterThan(100);
    expect(outcomes.elfErrors).toBeGreaterThan(100);
    expect(outcomes.planErrors).toBeGreaterThan(10);
    expect(work).toBeLessThanOrEqual(bound);
  });
});
