// NASM 2.16.01's own regression suite (`travis/test` in the NASM repository, tag nasm-2.16.01)
// run through `bootlab asm`, compared with the suite's expected outputs. Nothing from the suite
// is kept in Bootlab: point the script at a checkout made elsewhere.
// Build and run:
//   npx esbuild scripts/nasm-suite.ts --bundle --platform=node --format=esm --outfile=out/nasm-suite.mjs
//   node out/nasm-suite.mjs /path/to/nasm [--verbose] [--only NAME]
// (a checkout or `git archive nasm-2.16.01 travis misc` of NASM's repository). Counts the `bin`
// tests expected to succeed whose output is byte-identical to the `.t` file, and the
// expected-error tests that are rejected. Like nasm-t.py, every test runs from the NASM root with
// paths `./travis/test/...` (options such as `-i./misc/` and `__FILE__` depend on it), here in a
// scratch copy so the checkout is left as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { asmCommand } from '../src-main/cli/commands/asm.js';

interface Target {
  output?: string;
  stdout?: string;
  stderr?: string;
  option?: string;
  match?: string;
}
interface Descriptor {
  description?: string;
  id?: string;
  ref?: string;
  format?: string;
  source?: string;
  option?: string;
  target?: Target[];
  error?: string;
  disable?: string;
  environ?: string[];
}
export interface SuiteTest {
  name: string;
  desc: Descriptor;
}

/**
 * The suite's descriptors, with `ref` expanded as nasm-t.py does. One descriptor (avx512f.json)
 * has a trailing comma, which Python's json refuses; it is read anyway so the count covers all 162.
 */
export function readSuite(dir: string): SuiteTest[] {
  const tests: SuiteTest[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8').replace(/,(\s*[}\]])/g, '$1'));
    } catch {
      continue;
    }
    const list = (Array.isArray(parsed) ? parsed : [parsed]) as Descriptor[];
    const ids = new Map(list.filter((d) => d.id !== undefined).map((d) => [d.id, d]));
    for (const d of list) {
      const base = d.ref !== undefined ? ids.get(d.ref) : undefined;
      const desc: Descriptor = base ? { ...base, ...d } : d;
      if (!desc.description) continue;
      tests.push({ name: file.slice(0, -5), desc });
    }
  }
  return tests;
}

const TEST_DIR = './travis/test/';

/** NASM's command line for one test, as nasm-t.py builds it (paths relative to the NASM root). */
function commandLine(desc: Descriptor): string[] {
  const argv: string[] = [];
  if (desc.format) argv.push('-f', desc.format);
  if (desc.option) argv.push(...desc.option.split(' '));
  for (const t of desc.target ?? []) {
    if (t.output !== undefined) argv.push(...(t.option !== undefined ? [...t.option.split(' '), TEST_DIR + t.output] : ['-o', TEST_DIR + t.output]));
    else if ((t.stdout !== undefined || t.stderr !== undefined) && t.option !== undefined) argv.push(...t.option.split(' '));
  }
  if (desc.source) argv.push(TEST_DIR + desc.source);
  return argv;
}

export interface Outcome {
  test: SuiteTest;
  kind: 'success' | 'error';
  passed: boolean;
  why: string;
  /** The output file, when the test writes one, is byte-identical (whatever the streams say). */
  bytesIdentical?: boolean;
}

async function runOne(t: SuiteTest, work: string): Promise<Outcome> {
  const kind = t.desc.error === 'expected' ? 'error' : 'success';
  const saved = { ...process.env };
  const outputs = (t.desc.target ?? []).flatMap((x) => (x.output !== undefined ? [path.join(work, TEST_DIR, x.output)] : []));
  try {
    for (const o of outputs) fs.rmSync(o, { force: true });
    for (const e of t.desc.environ ?? []) {
      const [k, v] = e.split('=');
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    let stderr = '';
    let stdout = '';
    const code = await asmCommand.run(commandLine(t.desc), { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), cwd: work });
    if (kind === 'error') return { test: t, kind, passed: code !== 0, why: code !== 0 ? '' : 'accepted' };
    if (code !== 0) return { test: t, kind, passed: false, why: stderr.split('\n').slice(0, 3).join(' | ') };
    let streamsDiffer = '';
    for (const target of t.desc.target ?? []) {
      // Tests of `-E` output or of warning texts compare the whole stream, as nasm-t.py does.
      for (const [stream, text] of [
        [target.stdout, stdout],
        [target.stderr, stderr],
      ] as const) {
        if (stream === undefined) continue;
        const want = fs.readFileSync(path.join(work, TEST_DIR, stream), 'utf8');
        // `bootlab asm` adds the column to NASM's `file:line:` prefix.
        if (want !== text.replace(/^([^:\n]+:\d+):\d+: /gm, '$1: ')) streamsDiffer ||= `${stream === target.stdout ? 'stdout' : 'stderr'} differs from ${stream}`;
      }
      if (target.output === undefined) continue;
      const want = fs.readFileSync(path.join(work, TEST_DIR, target.match ?? `${target.output}.t`));
      const got = fs.readFileSync(path.join(work, TEST_DIR, target.output));
      if (!want.equals(got)) {
        let at = 0;
        while (at < want.length && at < got.length && want[at] === got[at]) at++;
        return { test: t, kind, passed: false, why: `bytes differ at offset ${at} (want ${want.length} bytes, got ${got.length})`, bytesIdentical: false };
      }
    }
    const bytesIdentical = outputs.length > 0 ? true : undefined;
    return { test: t, kind, passed: streamsDiffer === '', why: streamsDiffer, bytesIdentical };
  } catch (e) {
    return { test: t, kind, passed: false, why: `runner: ${(e as Error).message}` };
  } finally {
    process.env = saved;
  }
}

async function main(): Promise<void> {
  const root = process.argv[2];
  if (!root || !fs.existsSync(path.join(root, TEST_DIR))) {
    console.error('usage: node out/nasm-suite.mjs NASM-CHECKOUT [--verbose] [--only NAME]  (the folder holding travis/test)');
    process.exit(2);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nasm-suite-'));
  for (const sub of ['travis', 'misc']) if (fs.existsSync(path.join(root, sub))) fs.cpSync(path.join(root, sub), path.join(work, sub), { recursive: true });
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const verbose = process.argv.includes('--verbose');
  // Only tests whose output is a flat binary (or that must fail in bin format) say anything about Bootlab.
  const tests = readSuite(path.join(root, TEST_DIR)).filter((t) => t.desc.format === 'bin' && !t.desc.disable && (only === undefined || t.name === only));
  const outcomes: Outcome[] = [];
  for (const t of tests) outcomes.push(await runOne(t, work));
  fs.rmSync(work, { recursive: true, force: true });
  const ok = outcomes.filter((o) => o.kind === 'success');
  const err = outcomes.filter((o) => o.kind === 'error');
  for (const o of outcomes) {
    if (!o.passed || verbose) console.log(`${o.passed ? 'PASS' : 'FAIL'} ${o.kind} ${o.test.name} ${o.test.desc.option ?? ''}: ${o.why}`);
  }
  const withOutput = ok.filter((o) => (o.test.desc.target ?? []).some((x) => x.output !== undefined));
  console.log(`identical: ${ok.filter((o) => o.passed).length} of ${ok.length} expected-success bin tests (output bytes and the stdout/stderr a test compares)`);
  console.log(`output bytes identical: ${withOutput.filter((o) => o.bytesIdentical).length} of ${withOutput.length} of those that write an output file`);
  console.log(`rejected: ${err.filter((o) => o.passed).length} of ${err.length} expected-error bin tests`);
}

if (!process.env.NO_MAIN) await main();
