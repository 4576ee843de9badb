#!/usr/bin/env node
// Entry for `npx bootlab` and `npm install -g bootlab`: runs the bundled CLI.
//
// `bootlab asm` takes a shorter way, because a Makefile may start it once per source file: its own
// CommonJS bundle (out/asm-cli.cjs, the assembler and its command line only), compiled from V8's
// code cache (out/asm-cli.v8cache, written by the build; rewritten here when V8 rejects it, e.g.
// after a Node upgrade). Node 20 has no module.enableCompileCache; vm.Script's cachedData is the
// compile cache it offers.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const asmBundle = fileURLToPath(new URL('../out/asm-cli.cjs', import.meta.url));

/** Loads out/asm-cli.cjs like require() would, through the code cache; undefined when it is not built. */
function loadAsmBundle() {
  let source;
  try {
    source = fs.readFileSync(asmBundle, 'utf8');
  } catch {
    return undefined;
  }
  const cacheFile = asmBundle.replace(/\.cjs$/, '.v8cache');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    /* no cache yet */
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: asmBundle, cachedData });
  if (process.env.BOOTLAB_TRACE) {
    const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
    process.stderr.write(`bootlab-trace ${performance.now().toFixed(1)} ms asm bundle compiled (code cache ${cache})\n`);
  }
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written at exit, so the functions this run compiled are in it too; replaced atomically, and
    // skipped where the package folder is read-only.
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        /* no cache then: the next run compiles again */
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(asmBundle), module, asmBundle, path.dirname(asmBundle));
  return module.exports;
}

const asm = process.argv[2] === 'asm' ? loadAsmBundle() : undefined;
if (asm) process.exitCode = await asm.runAsmCli(process.argv.slice(3), asm.processIo());
else await import('../out/cli.js');
