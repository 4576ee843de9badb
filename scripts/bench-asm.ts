// Assembler benchmark: Bootlab's assembler against NASM 2.16.01 on the same inputs.
// Build and run:
//   npx esbuild scripts/bench-asm.ts --bundle --platform=node --format=esm --outfile=out/bench-asm.mjs && node out/bench-asm.mjs
// Options: --lines N (default 200000), --no-nasm (skip the NASM runs).
// Prints markdown lines for BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assemble } from '../src-main/asm/index.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const LINES = arg('--lines', 200_000);
const RUN_NASM = !process.argv.includes('--no-nasm');

/** Deterministic PRNG so every run assembles the same file. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLERS = [
  'mov rax, rbx', 'add rcx, 8', 'lea rsi, [rdi+rcx*8+16]', 'xor eax, eax', 'mov qword [rsp+8], rdx', 'inc r9', 'cmp rax, 1000',
  'mov eax, 0x12345678', 'push rbx', 'pop rbx', 'shl rdx, 3', 'test al, 1', 'mov r10, [rel data_area]', 'nop',
];
const JCC = ['jmp', 'je', 'jne', 'jl', 'jg', 'jb', 'jae', 'jz', 'jnz'];

/** A 64-bit file with many interdependent forward and backward jumps. */
export function jumpyFile(lines: number): string {
  const r = rng(12345);
  const out: string[] = ['bits 64', 'default abs', 'start:'];
  const labels = Math.floor(lines / 5);
  let label = 0;
  while (out.length < lines - 4) {
    out.push(`L${label}:`);
    const n = 1 + Math.floor(r() * 6);
    for (let k = 0; k < n; k++) {
      const x = r();
      if (x < 0.35) {
        // Targets cluster near the short-jump boundary so sizes depend on each other.
        const dist = Math.floor(r() * 24) - 10;
        const t = Math.min(labels - 1, Math.max(0, label + dist));
        out.push(`    ${JCC[Math.floor(r() * JCC.length)]} L${t}`);
      } else if (x < 0.38) out.push(`    call L${Math.min(labels - 1, Math.floor(r() * labels))}`);
      else out.push(`    ${FILLERS[Math.floor(r() * FILLERS.length)]}`);
    }
    label++;
  }
  while (label < labels) out.push(`L${label++}:`);
  out.push('data_area: dq 0');
  return out.join('\n') + '\n';
}

const REGS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const TEMPLATES = [
  'mov R, R', 'add R, I', 'sub R, I', 'lea R, [R+R*8+I]', 'xor eax, eax', 'mov qword [rsp+I], R', 'inc R', 'cmp R, I', 'mov R, [R+I]',
  'push R', 'pop R', 'shl R, 3', 'test al, 1', 'and R, I', 'imul R, R, I', 'mov dword [R+I], I', 'movzx eax, byte [R+I]',
];

/** Straight-line code without jumps (varied registers and immediates), for throughput. */
export function straightFile(lines: number): string {
  const out: string[] = ['bits 64'];
  const r = rng(999);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  for (let i = 0; i < lines; i++) {
    out.push(pick(TEMPLATES).replace(/R/g, () => pick(REGS)).replace(/I/g, () => String(Math.floor(r() * 5000) - 100)));
  }
  out.push('data_area: dq 0');
  return out.join('\n') + '\n';
}

function nasm(src: string): { ms: number; bytes: Uint8Array; passes: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-asm-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.asm'), src);
    const t0 = performance.now();
    const r = spawnSync('nasm', ['-f', 'bin', '-Ov', '-o', 'out.bin', 'in.asm'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`nasm failed: ${r.stderr}`);
    const m = /assembly required (\S+) passes/.exec(`${r.stdout}${r.stderr}`);
    return { ms, bytes: new Uint8Array(fs.readFileSync(path.join(dir, 'out.bin'))), passes: m ? m[1] : '?' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ours(src: string, readFile?: (p: string) => Uint8Array | undefined): { ms: number; bytes: Uint8Array; ok: boolean } {
  const t0 = performance.now();
  const r = assemble(src, { fileName: 'in.asm', readFile });
  const ms = performance.now() - t0;
  if (!r.ok) console.error(r.diagnostics.slice(0, 5));
  return { ms, bytes: r.bytes, ok: r.ok };
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function main(): void {
  const lines: string[] = [];
  const jumpy = jumpyFile(LINES);
  // Cold, like a command-line run (NASM is timed cold too).
  const b = ours(jumpy);
  if (RUN_NASM) {
    const n = nasm(jumpy);
    const ok = same(b.bytes, n.bytes);
    lines.push(`- asm, ${LINES}-line 64-bit file with interdependent jumps: NASM 2.16.01 ${(n.ms / 1000).toFixed(2)} s (${n.passes} passes), Bootlab ${(b.ms / 1000).toFixed(3)} s, **${(n.ms / b.ms).toFixed(1)}x faster**, output ${ok ? 'identical' : 'DIFFERENT'} (${b.bytes.length} bytes)`);
    if (!ok) process.exitCode = 1;
  } else lines.push(`- asm, ${LINES}-line 64-bit file with interdependent jumps: Bootlab ${(b.ms / 1000).toFixed(3)} s (${b.bytes.length} bytes)`);

  const straight = straightFile(LINES);
  const s = ours(straight);
  lines.push(`- asm, straight-line ${LINES}-line file: ${(s.bytes.length / (s.ms / 1000) / 1e6).toFixed(2)} MB/s of output, ${(LINES / (s.ms / 1000) / 1e6).toFixed(2)} M lines/s (${s.ms.toFixed(0)} ms)`);
  if (RUN_NASM) {
    const n = nasm(straight);
    lines.push(`- asm, straight-line file with NASM: ${(n.ms / 1000).toFixed(2)} s, output ${same(s.bytes, n.bytes) ? 'identical' : 'DIFFERENT'}`);
  }

  const blDir = path.resolve('resources/bootloader');
  const entry = ['bootloader.asm', 'boot.asm', 'main.asm'].map((f) => path.join(blDir, f)).find((f) => fs.existsSync(f));
  if (entry) {
    const src = fs.readFileSync(entry, 'utf8');
    const rf = (p: string): Uint8Array | undefined => {
      try {
        return fs.readFileSync(path.join(blDir, p));
      } catch {
        return undefined;
      }
    };
    for (let i = 0; i < 20; i++) ours(src, rf);
    const times: number[] = [];
    let last: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 50; i++) {
      const r = ours(src, rf);
      times.push(r.ms);
      last = r.bytes;
    }
    times.sort((a, c) => a - c);
    lines.push(`- asm, Bootlab bootloader (${path.relative(process.cwd(), entry)}, ${last.length} bytes) warm: median ${times[25].toFixed(2)} ms, min ${times[0].toFixed(2)} ms (target < 10 ms)`);
  }
  console.log(lines.join('\n'));
}

if (!process.env.NO_MAIN) main();
