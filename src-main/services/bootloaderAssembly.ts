// Assembles Bootlab's loaders with Bootlab's assembler and caches the results in memory and on
// disk: the BIOS bootloader (resources/bootloader/bootloader.asm) and the UEFI loader
// BOOTX64.EFI (resources/bootloader/uefi/bootx64.asm, which embeds stage3 through
// uefi/stage3-blob.asm). A cached loader goes into every image Bootlab writes, for
// every project, so the cache must never hold anything but the bundled sources' bytes:
// - includes resolve only inside the bootloader folder, never against the current directory;
// - the cache key covers every file the assembler could read (everything in that folder) and the
//   assembler's own code;
// - a cache file carries its key and a digest of its bytes, checked before use.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from '../shared/version.js';
import { writeFileAtomic } from './atomicWrite.js';
import { defaultCacheDir } from './cacheDir.js';

export { defaultCacheDir };

export class BootloaderAssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootloaderAssemblyError';
  }
}

export interface AssembledLoader {
  bytes: Uint8Array;
  /** The cache key: the loader sources and the assembler that assembled them. */
  hash: string;
  cached: 'memory' | 'disk' | false;
  ms: number;
}

const memoryCache = new Map<string, Uint8Array>();

/** Forget the assembled bootloaders held in memory (benchmarks of a cold start). */
export function clearBootloaderMemoryCache(): void {
  memoryCache.clear();
}

let assemblerIdentityMemo: string | undefined;

/**
 * What identifies the assembler that is running: the bundled code beside this module (the CLI's
 * chunks or the Electron main bundle, which include the assembler), or, when the sources run
 * directly (tests, scripts), the assembler's source files. A changed assembler must not reuse a
 * loader that an older one produced. Bundled files are known by name, size and modification time
 * (a build writes them all anew): reading and hashing the whole bundle cost every `bootlab runner`
 * start a few milliseconds, most of its cache check.
 */
function assemblerIdentity(): string {
  if (assemblerIdentityMemo) return assemblerIdentityMemo;
  const here = fileURLToPath(import.meta.url);
  const asmDir = join(dirname(here), '..', 'asm');
  const fromSources = here.endsWith('.ts') && existsSync(asmDir);
  const folder = fromSources ? asmDir : dirname(here);
  const files = readdirSync(folder)
    .filter((n) => (fromSources ? n.endsWith('.ts') && !n.includes('.test') : /\.c?js$/.test(n)))
    .sort()
    .map((n) => join(folder, n));
  const hash = createHash('sha256').update(`bootlab ${VERSION}\n`);
  for (const file of files) {
    hash.update(`${relative(dirname(here), file)}\n`);
    if (fromSources) hash.update(readFileSync(file));
    else {
      const stat = statSync(file);
      hash.update(`${stat.size} ${stat.mtimeMs}\n`);
    }
  }
  assemblerIdentityMemo = hash.digest('hex');
  return assemblerIdentityMemo;
}

/** Every regular file under `dir`, as paths relative to it, sorted (so the key does not depend on readdir order). */
function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out.sort();
}

function cacheKey(loaderDir: string): string {
  const hash = createHash('sha256').update(`assembler ${assemblerIdentity()}\n`);
  for (const rel of filesUnder(loaderDir)) {
    const bytes = readFileSync(join(loaderDir, rel));
    hash.update(`${rel}\n${bytes.length}\n`).update(bytes);
  }
  return hash.digest('hex').slice(0, 32);
}

/** A file the assembler asks for, if it lies inside the bootloader folder; otherwise nothing. */
function readInsideFolder(loaderDir: string, requested: string): Uint8Array | undefined {
  const path = isAbsolute(requested) ? resolve(requested) : resolve(loaderDir, requested);
  const rel = relative(loaderDir, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  try {
    return statSync(path).isFile() ? new Uint8Array(readFileSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

// Cache file: a text header line, then the loader's bytes. The header names the key the file was
// written under and the SHA-256 of the bytes, so a truncated, replaced or misnamed file is ignored.
const CACHE_MAGIC = 'bootlab-loader-v2';

function encodeCacheFile(key: string, bytes: Uint8Array): Uint8Array {
  const header = new TextEncoder().encode(`${CACHE_MAGIC} ${key} ${sha256(bytes)}\n`);
  const file = new Uint8Array(header.length + bytes.length);
  file.set(header);
  file.set(bytes, header.length);
  return file;
}

function decodeCacheFile(key: string, file: Uint8Array, check: (bytes: Uint8Array) => string | undefined): Uint8Array | undefined {
  const newline = file.indexOf(0x0a);
  if (newline < 0 || newline > 200) return undefined;
  const [magic, fileKey, digest] = new TextDecoder().decode(file.subarray(0, newline)).split(' ');
  const bytes = file.slice(newline + 1);
  if (magic !== CACHE_MAGIC || fileKey !== key || digest !== sha256(bytes)) return undefined;
  return check(bytes) === undefined ? bytes : undefined;
}

/** What is wrong with an assembled BIOS loader, or undefined. */
function checkBiosLoader(bytes: Uint8Array): string | undefined {
  if (bytes.length >= 512 && bytes.length % 512 === 0 && bytes[510] === 0x55 && bytes[511] === 0xaa) return undefined;
  return `the bootloader assembled to ${bytes.length} bytes without a boot signature at 510`;
}

/**
 * What is wrong with an assembled BOOTX64.EFI, or undefined: the PE32+ fields a UEFI firmware
 * insists on (BOOT-CONTRACT-011 section 6.1).
 */
export function checkEfiApplication(bytes: Uint8Array): string | undefined {
  if (bytes.length < 0x200 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return 'BOOTX64.EFI has no MZ header';
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pe = v.getUint32(0x3c, true);
  if (pe + 24 + 0xf0 > bytes.length || v.getUint32(pe, true) !== 0x00004550) return 'BOOTX64.EFI has no PE signature';
  if (v.getUint16(pe + 4, true) !== 0x8664) return 'BOOTX64.EFI is not an x86-64 image';
  if (v.getUint16(pe + 22, true) & 0x0001) return 'BOOTX64.EFI says its relocations were stripped (the firmware would load it only at ImageBase)';
  const opt = pe + 24;
  if (v.getUint16(opt, true) !== 0x20b) return 'BOOTX64.EFI is not PE32+';
  if (v.getUint16(opt + 68, true) !== 10) return 'BOOTX64.EFI is not an EFI application (subsystem 10)';
  const sizeOfImage = v.getUint32(opt + 56, true);
  const entry = v.getUint32(opt + 16, true);
  if (sizeOfImage % 0x1000 !== 0 || entry === 0 || entry >= sizeOfImage) return `BOOTX64.EFI has a bad SizeOfImage (${sizeOfImage}) or entry point (${entry})`;
  return undefined;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A generated file the assembler asks for, by its path inside the bootloader folder. */
function generatedFile(loaderDir: string, generated: Map<string, Uint8Array>, requested: string): Uint8Array | undefined {
  const path = isAbsolute(requested) ? resolve(requested) : resolve(loaderDir, requested);
  return generated.get(relative(loaderDir, path).replace(/\\/g, '/'));
}

/** One assembly unit of the bootloader folder; `generated` supplies files that are not sources (incbin of another unit). */
async function assembleUnit(loaderDir: string, mainRel: string, what: string, generated: Map<string, Uint8Array> = new Map()): Promise<Uint8Array> {
  const main = join(loaderDir, mainRel);
  if (!existsSync(main)) throw new BootloaderAssemblyError(`the ${what} sources are missing: ${main}`);
  const { assemble } = await import('../asm/index.js');
  const read = new Map<string, Uint8Array | undefined>();
  const result = assemble(readFileSync(main, 'utf8'), {
    fileName: main,
    includePaths: [loaderDir],
    // The preprocessor asks for each include on every pass: read each file once.
    readFile: (requested) => {
      if (!read.has(requested)) read.set(requested, generatedFile(loaderDir, generated, requested) ?? readInsideFolder(loaderDir, requested));
      return read.get(requested);
    },
  });
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').slice(0, 10);
    throw new BootloaderAssemblyError(`the ${what} did not assemble:\n${errors.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n')}`);
  }
  return result.bytes;
}

interface CachedAssembly {
  /** The cache file's name for a key. */
  fileName: (key: string) => string;
  check: (bytes: Uint8Array) => string | undefined;
  build: (loaderDir: string) => Promise<Uint8Array>;
}

/** `assembly.build`, or its bytes from the memory or disk cache when the same sources and assembler made them. */
async function assembleCached(resourcesDir: string, cacheDir: string | false, assembly: CachedAssembly): Promise<AssembledLoader> {
  const t0 = performance.now();
  const loaderDir = resolve(resourcesDir, 'bootloader');
  const main = join(loaderDir, 'bootloader.asm');
  if (!existsSync(main)) throw new BootloaderAssemblyError(`the bootloader sources are missing: ${main}`);
  const key = cacheKey(loaderDir);
  const memoryKey = assembly.fileName(key);
  const inMemory = memoryCache.get(memoryKey);
  if (inMemory) return { bytes: inMemory, hash: key, cached: 'memory', ms: performance.now() - t0 };
  const cacheFile = cacheDir ? join(cacheDir, assembly.fileName(key)) : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    const bytes = decodeCacheFile(key, new Uint8Array(readFileSync(cacheFile)), assembly.check);
    if (bytes) {
      memoryCache.set(memoryKey, bytes);
      return { bytes, hash: key, cached: 'disk', ms: performance.now() - t0 };
    }
  }
  const bytes = await assembly.build(loaderDir);
  const problem = assembly.check(bytes);
  if (problem) throw new BootloaderAssemblyError(problem);
  memoryCache.set(memoryKey, bytes);
  if (cacheFile) {
    try {
      writeFileAtomic(cacheFile, encodeCacheFile(key, bytes));
    } catch {
      // A read-only or missing cache folder only costs speed.
    }
  }
  return { bytes, hash: key, cached: false, ms: performance.now() - t0 };
}

/**
 * Assemble `<resourcesDir>/bootloader/bootloader.asm`, or take it from the cache when the same
 * sources and assembler made it. The assembler is imported only on a cache miss: the runner, which
 * cargo starts once per test executable, usually never needs it.
 */
export async function assembleBootloader(resourcesDir: string, cacheDir: string | false = defaultCacheDir()): Promise<AssembledLoader> {
  return assembleCached(resourcesDir, cacheDir, {
    fileName: (key) => `bootloader-${key}.bin`,
    check: checkBiosLoader,
    build: (loaderDir) => assembleUnit(loaderDir, 'bootloader.asm', 'bootloader'),
  });
}

/** Where bootx64.asm expects the assembled stage3 blob (its `incbin`). */
export const STAGE3_BLOB_INCBIN = 'uefi/stage3-blob.bin';

/**
 * BOOTX64.EFI, Bootlab's UEFI loader (`<resourcesDir>/bootloader/uefi`): stage3-blob.asm
 * assembled, then bootx64.asm with that blob as its `incbin`; cached like the BIOS loader.
 */
export async function assembleEfiLoader(resourcesDir: string, cacheDir: string | false = defaultCacheDir()): Promise<AssembledLoader> {
  return assembleCached(resourcesDir, cacheDir, {
    fileName: (key) => `bootx64-${key}.efi`,
    check: checkEfiApplication,
    build: async (loaderDir) => {
      const blob = await assembleUnit(loaderDir, 'uefi/stage3-blob.asm', 'UEFI loader (stage3 blob)');
      return assembleUnit(loaderDir, 'uefi/bootx64.asm', 'UEFI loader', new Map([[STAGE3_BLOB_INCBIN, blob]]));
    },
  });
}
