// `bootlab image` on malformed kernels, in process (the command's own run function): the exit
// status is non-zero and stderr holds one clear message naming the field and its file offset,
// never a JavaScript stack trace.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PF_R, PF_W, PF_X } from '../../elf/index.js';
import { code, synthElf, type SynthSegment } from '../../elf/synth.test-helper.js';
import { imageCommand } from './image.js';

const work = mkdtempSync(join(tmpdir(), 'bootlab-image-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function image(name: string, bytes: Uint8Array) {
  const kernel = join(work, name);
  writeFileSync(kernel, bytes);
  let stdout = '';
  let stderr = '';
  const status = await imageCommand.run([kernel, '-o', `${kernel}.img`], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: work, env: process.env });
  return { status, stdout, stderr, imageWritten: existsSync(`${kernel}.img`) };
}

const kernel = (segments: SynthSegment[]) => synthElf({ entry: 0x201000n, segments });
const text: SynthSegment = { flags: PF_R | PF_X, vaddr: 0x201000n, data: code(64) };

describe('bootlab image rejects malformed kernels', () => {
  it('e_phentsize other than 56: exit 1, the field and its offset, no image', async () => {
    const bytes = kernel([text, { flags: PF_R | PF_W, vaddr: 0x202000n, data: code(16) }]);
    new DataView(bytes.buffer).setUint16(54, 112, true);
    const r = await image('phentsize', bytes);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^bootlab image: \S+phentsize: e_phentsize is 112, but an ELF64 program header is 56 bytes \(field e_phentsize at file offset 0x36\)\n$/);
    expect(r.imageWritten).toBe(false);
  });

  it('2,001 PT_LOADs and more page runs than the loader holds: one message each, no stack trace', async () => {
    const many = (n: number) => kernel(Array.from({ length: n }, (_, i) => ({ flags: i % 2 ? PF_R | PF_W : PF_R | PF_X, vaddr: 0x201000n + BigInt(i) * 0x1000n, data: code(8) })));
    const r = await image('many', many(2001));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/e_phnum is 2001: 2001 program headers take 112056 bytes, more than the 65536.*\(field e_phnum at file offset 0x38\)\n$/);
    const runs = await image('runs', many(1100));
    expect(runs.status).toBe(1);
    expect(runs.stderr).toMatch(/1100 loadable segments make 1100 page runs.*at most 1016 \(field e_phnum at file offset 0x38\)\n$/);
    for (const out of [r.stderr, runs.stderr]) {
      expect(out).not.toMatch(/\n\s+at /);
      expect(out.trim().split('\n')).toHaveLength(1);
    }
  });

  it('refuses more than 4 GiB of .bss, naming the numbers', async () => {
    const r = await image('bss', kernel([text, { flags: PF_R | PF_W, vaddr: 0x202000n, data: code(16), memsz: 64n << 30n }]));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\(\.bss\) is 64\.00 GiB \(16777215 pages\), more than the 4 GiB .*p_memsz 0x1000000000 .*at file offset 0xa0\)/);
  });
});
