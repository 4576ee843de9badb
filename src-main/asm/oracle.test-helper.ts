// Test-only helper: runs NASM 2.16.01 (/usr/bin/nasm) as the oracle. Never imported by library code.
import { spawnSync } from 'node:child_process';
import { afterAll, expect } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assemble, type AssembleResult } from './index.js';

export interface NasmResult {
  ok: boolean;
  bytes: Uint8Array;
  stderr: string;
  listing: string;
  errors: { line: number; message: string }[];
  extra: Record<string, string>;
}

let tmpRoot: string | undefined;
// One folder per test file for NASM's inputs and outputs, removed after the file's tests.
afterAll(() => {
  if (tmpRoot !== undefined) fs.rmSync(tmpRoot, { recursive: true, force: true });
  tmpRoot = undefined;
});
let counter = 0;
function tmpDir(): string {
  if (tmpRoot === undefined) {
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bootlab-asm-'));
  }
  const d = path.join(tmpRoot, String(counter++));
  fs.mkdirSync(d);
  return d;
}

/** Runs nasm on `src` (plus extra files) in a fresh temp dir used as cwd. */
export function runNasm(src: string, opts: { o0?: boolean; files?: Record<string, string | Uint8Array>; listing?: boolean; args?: string[]; readBack?: string[] } = {}): NasmResult {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, 'in.asm'), src);
  for (const [name, data] of Object.entries(opts.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), data);
  }
  const args = ['-f', 'bin', ...(opts.o0 ? ['-O0'] : []), ...(opts.listing ? ['-l', 'out.lst'] : []), ...(opts.args ?? []), '-o', 'in', 'in.asm'];
  // spawnSync keeps stderr on success too (NASM's warnings).
  const r = spawnSync('nasm', args, { cwd: dir, encoding: 'utf8' });
  const ok = r.status === 0;
  const stderr = r.stderr ?? '';
  const outPath = path.join(dir, 'in');
  const bytes = ok && fs.existsSync(outPath) ? new Uint8Array(fs.readFileSync(outPath)) : new Uint8Array(0);
  const lstPath = path.join(dir, 'out.lst');
  const listing = opts.listing && fs.existsSync(lstPath) ? fs.readFileSync(lstPath, 'utf8') : '';
  const errors: { line: number; message: string }[] = [];
  for (const l of stderr.split('\n')) {
    const m = /^in\.asm:(\d+): (?:error|fatal): (.*)$/.exec(l);
    if (m) errors.push({ line: +m[1], message: m[2] });
  }
  const extra: Record<string, string> = {};
  for (const f of opts.readBack ?? []) if (fs.existsSync(path.join(dir, f))) extra[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { ok, bytes, stderr, listing, errors, extra };
}

export function ours(src: string, opts: { o0?: boolean; optimize?: 'x' | '0' | '1'; files?: Record<string, string | Uint8Array> } = {}): AssembleResult {
  const files = opts.files ?? {};
  return assemble(src, {
    fileName: 'in.asm',
    optimize: opts.optimize ?? (opts.o0 ? '0' : 'x'),
    readFile: (p) => files[p.replace(/^\.\//, '')],
  });
}

export const hex = (b: Uint8Array | number[]): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** Parses a NASM-format listing into source line -> concatenated hex bytes (top-level lines only). */
export function listingBytes(listing: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const row of listing.split('\n')) {
    const m = /^ *(\d+) ([0-9A-F]{8}) (\S+)/.exec(row);
    if (!m || /^.{36}<\d+>/.test(row) || m[3].includes('<') || m[3].startsWith('*')) continue;
    const line = +m[1];
    const bytes = m[3].replace(/-$/, '').replace(/[[\]()]/g, '');
    out.set(line, (out.get(line) ?? '') + bytes);
  }
  return out;
}

/** Finds the first source line whose bytes differ, using NASM's listing to map bytes to lines. */
export function explainMismatch(src: string, ourBytes: Uint8Array, nasmBytes: Uint8Array, o0 = false): string {
  const n = runNasm(src, { o0, listing: true });
  const nl = listingBytes(n.listing);
  const ol = listingBytes(ours(src, { o0 }).listing);
  const lines = src.split('\n');
  for (const [line, nb] of [...nl.entries()].sort((a, b) => a[0] - b[0])) {
    const ob = ol.get(line) ?? '';
    if (ob !== nb) return `line ${line}: \`${lines[line - 1]?.trim()}'\n  nasm: ${nb}\n  ours: ${ob}`;
  }
  let i = 0;
  while (i < ourBytes.length && ourBytes[i] === nasmBytes[i]) i++;
  return `first differing byte at offset 0x${i.toString(16)} (ours ${ourBytes.length} bytes, nasm ${nasmBytes.length} bytes)\n  nasm: ${hex(nasmBytes.slice(i, i + 16))}\n  ours: ${hex(ourBytes.slice(i, i + 16))}`;
}

type Level = '0' | '1' | 'x';
const LEVELS: Level[] = ['0', '1', 'x'];

export function ourRun(src: string, level: Level, warnings: string[] = []) {
  return assemble(src, { fileName: 'in.asm', optimize: level, warnings, readFile: () => undefined });
}

export const warningsOf = (stderr: string): string[] => [...stderr.matchAll(/^in\.asm:(\d+): warning: (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);

/** Compares one source with NASM at every optimization level. */
export function checkLevels(src: string, expectOk?: boolean, warnings: string[] = []): void {
  for (const level of LEVELS) {
    const n = runNasm(src, { args: [`-O${level}`, ...warnings.map((w) => `-w${w}`)] });
    if (expectOk !== undefined) expect(n.ok, `nasm -O${level} acceptance for:\n${src}\n${n.stderr}`).toBe(expectOk);
    const r = ourRun(src, level, warnings);
    const oe = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    if (n.ok) {
      expect(oe, `-O${level}: ours rejects what NASM accepts:\n${src}`).toEqual([]);
      expect(hex(r.bytes), `-O${level}: bytes differ for:\n${src}`).toBe(hex(n.bytes));
      const ow = r.diagnostics.filter((d) => d.severity === 'warning').map((d) => `${d.line}: ${d.message}`);
      expect(ow, `-O${level}: warnings differ for:\n${src}`).toEqual(warningsOf(n.stderr));
    } else {
      expect(oe, `-O${level}: errors differ for:\n${src}`).toEqual(n.errors.map((e) => `${e.line}: ${e.message}`));
      expect(r.ok).toBe(false);
    }
  }
}
