// `bootlab asm`: NASM-compatible command line around the assembler library (src-main/asm).
import fs from 'node:fs';
import path from 'node:path';
import { assemble, decodeFile, encodeFile, UnreadableFile, WarningState } from '../../asm/index.js';
import { preprocess } from '../../asm/preprocessOnly.js';

const USAGE = `usage: bootlab asm [-f bin] [-O0|-O1|-Ox] [-E] [-o OUT] [-l LISTING] [-i DIR]... [-p FILE]... [-D NAME[=VALUE]]... [-w+x|-w-x|-Wx|-Wno-x|-Werror[=x]]... INPUT

Assembles a NASM-dialect source (NASM 2.16.01 compatible, flat binary output).
  -f bin        output format (only bin)
  -O0|-O1|-Ox   optimization: -Ox (default) sizes jumps and immediates; -O1 only immediates; -O0 neither
  -o OUT        output file (default: INPUT without its extension)
  -E, -e        preprocess only: write the preprocessed source (with %line markers) to OUT, or stdout
  -l LISTING    write a NASM-style listing
  -i DIR        add an include directory (also -I, -iDIR)
  -p FILE       read FILE before the source, as if %included at its top (also -P)
  -D NAME[=V]   predefine a macro (also -d)
  -w+x, -Wx     enable warning class x (NASM 2.16.01's names; also all, or a prefix such as pp)
  -w-x, -Wno-x  disable warning class x (-w-all, or -w none, disables every warning)
  -w+error[=x]  make warnings (or class x) errors; also -Werror[=x], -Wno-error[=x]

example:
  bootlab asm -i resources/bootloader/ -o boot.bin -l boot.lst resources/bootloader/bootloader.asm`;

/** NASM's default output name: the input without its extension, or nasm.out when that is the input itself. */
function defaultOutput(input: string): string {
  const stripped = input.replace(/\.[^./\\]*$/, '');
  return stripped === input ? 'nasm.out' : stripped;
}

/** Larger than any output the assembler accepts (256 MiB), so such a file can only fail later. */
const MAX_INPUT_FILE = 1 << 28;

/**
 * Contents of an %include or incbin file. Only regular files are read: a FIFO would block
 * forever and a device such as /dev/zero never ends (NASM hangs on both).
 */
function readSourceFile(p: string): Uint8Array | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return undefined;
  }
  if (!st.isFile()) throw new UnreadableFile(st.isDirectory() ? 'is a directory' : 'not a regular file (device, FIFO or socket)');
  if (st.size > MAX_INPUT_FILE) throw new UnreadableFile(`file is larger than ${MAX_INPUT_FILE} bytes`);
  try {
    return fs.readFileSync(p);
  } catch (e) {
    throw new UnreadableFile((e as Error).message);
  }
}

export const asmCommand = {
  name: 'asm',
  summary: 'assemble a NASM-dialect source to a flat binary',
  usage: USAGE,
  run: async (argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void; cwd: string; env?: NodeJS.ProcessEnv }): Promise<number> => {
    let out: string | undefined;
    let list: string | undefined;
    let input: string | undefined;
    let optimize: 'x' | '0' | '1' = 'x';
    let preprocessOnly = false;
    const includePaths: string[] = [];
    const preIncludes: string[] = [];
    const defines: Record<string, string> = {};
    const warnings: string[] = [];
    // Checked as NASM does while reading the command line: an unknown name only warns under -w+unknown-warning.
    const warningCheck = new WarningState();
    const takeValue = (i: number, flag: string): string | undefined => {
      const a = argv[i];
      if (a.length > flag.length) return a.slice(flag.length);
      return argv[i + 1];
    };
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--help' || a === '-h') {
        io.stdout(USAGE + '\n');
        return 0;
      }
      if (a === '-E' || a === '-e') preprocessOnly = true;
      else if (a.startsWith('-f')) {
        const v = takeValue(i, '-f');
        if (a === '-f') i++;
        if (v !== 'bin') {
          io.stderr(`bootlab asm: unsupported output format \`${v ?? ''}' (only bin)\n`);
          return 1;
        }
      } else if (a.startsWith('-O')) {
        const v = a.slice(2);
        // NASM: -O0, -O1, and -O2 and above (or -Ox) for full optimization.
        optimize = v === '0' ? '0' : v === '1' ? '1' : 'x';
      } else if (a.startsWith('-o')) {
        out = takeValue(i, '-o');
        if (a === '-o') i++;
      } else if (a.startsWith('-l')) {
        list = takeValue(i, '-l');
        if (a === '-l') i++;
      } else if (a.startsWith('-i') || a.startsWith('-I')) {
        const v = takeValue(i, a.slice(0, 2));
        if (a.length === 2) i++;
        if (v !== undefined) includePaths.push(v);
      } else if (a.startsWith('-p') || a.startsWith('-P')) {
        const v = takeValue(i, a.slice(0, 2));
        if (a.length === 2) i++;
        if (v !== undefined) preIncludes.push(v);
      } else if (a.startsWith('-D') || a.startsWith('-d')) {
        const v = takeValue(i, a.slice(0, 2));
        if (a.length === 2) i++;
        if (v !== undefined) {
          const eq = v.indexOf('=');
          if (eq < 0) defines[v] = '';
          else defines[v.slice(0, eq)] = v.slice(eq + 1);
        }
      } else if (a.startsWith('-w') || a.startsWith('-W')) {
        const v = takeValue(i, a.slice(0, 2));
        if (a.length === 2) i++;
        if (v === undefined) {
          io.stderr(`bootlab asm: option \`${a}' requires an argument\n`);
          return 1;
        }
        warnings.push(v);
        const unknown = warningCheck.set(v);
        if (unknown !== undefined && warningCheck.severity('unknown-warning') !== 'off') io.stderr(`bootlab asm: warning: unknown warning name: ${unknown} [-w+unknown-warning]\n`);
      } else if (a.startsWith('-') && a !== '-') {
        io.stderr(`bootlab asm: unknown option \`${a}'\n${USAGE}\n`);
        return 1;
      } else if (input === undefined) input = a;
      else {
        io.stderr('bootlab asm: more than one input file specified\n');
        return 1;
      }
    }
    if (input === undefined) {
      io.stderr(`bootlab asm: no input file specified\n${USAGE}\n`);
      return 1;
    }
    const inPath = path.resolve(io.cwd, input);
    let source: string;
    try {
      const data = readSourceFile(inPath);
      if (data === undefined) throw new Error('No such file or directory');
      source = decodeFile(data);
    } catch (e) {
      io.stderr(`bootlab asm: unable to open input file \`${input}': ${(e as Error).message}\n`);
      return 1;
    }
    const readFile = (p: string): Uint8Array | undefined => readSourceFile(path.resolve(io.cwd, p));
    if (preprocessOnly) {
      const pp = preprocess(source, { fileName: input, includePaths, preIncludes, defines, env: (name) => (io.env ?? process.env)[name], readFile });
      for (const d of pp.diagnostics) io.stderr(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
      // As NASM: to the output file when one is named, else to stdout; a failed run leaves the file alone.
      if (out === undefined) io.stdout(pp.text);
      else if (pp.ok) {
        try {
          fs.writeFileSync(path.resolve(io.cwd, out), encodeFile(pp.text));
        } catch (e) {
          io.stderr(`bootlab asm: unable to write output: ${(e as Error).message}\n`);
          return 1;
        }
      }
      return pp.ok ? 0 : 1;
    }
    const outPath = out ?? defaultOutput(input);
    const result = assemble(source, {
      fileName: input,
      outputFile: outPath,
      includePaths,
      preIncludes,
      defines,
      optimize,
      warnings,
      env: (name) => (io.env ?? process.env)[name],
      // NASM resolves include names against the current directory, not the including file's.
      readFile,
    });
    for (const d of result.diagnostics) {
      io.stderr(`${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
      // As NASM 2.16: where inside a macro the message came from.
      for (const m of d.fromMacros ?? []) io.stderr(`${m.file}:${m.line}: ... from macro \`${m.name}' defined here\n`);
    }
    if (list !== undefined) {
      try {
        fs.writeFileSync(path.resolve(io.cwd, list), encodeFile(result.listing));
      } catch (e) {
        io.stderr(`bootlab asm: unable to write listing: ${(e as Error).message}\n`);
        return 1;
      }
    }
    if (!result.ok) return 1;
    if (result.map) {
      if (result.map.file === undefined) io.stdout(result.map.text);
      else {
        try {
          fs.writeFileSync(path.resolve(io.cwd, result.map.file), result.map.text);
        } catch (e) {
          io.stderr(`bootlab asm: unable to write map file: ${(e as Error).message}\n`);
          return 1;
        }
      }
    }
    try {
      fs.writeFileSync(path.resolve(io.cwd, outPath), result.bytes);
    } catch (e) {
      io.stderr(`bootlab asm: unable to write output: ${(e as Error).message}\n`);
      return 1;
    }
    return 0;
  },
};
