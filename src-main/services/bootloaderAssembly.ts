// Assembles Bootlab's BIOS bootloader (resources/bootloader) with Bootlab's assembler and caches
// the result in memory and on disk. A cached loader goes into every image Bootlab writes, for
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
 * loader that an older one produced.
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
  for (const file of files) hash.update(`${relative(dirname(here), file)}\n`).update(readFileSync(file));
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

function decodeCacheFile(key: string, file: Uint8Array): Uint8Array | undefined {
  const newline = file.indexOf(0x0a);
  if (newline < 0 || newline > 200) return undefined;
  const [magic, fileKey, digest] = new TextDecoder().decode(file.subarray(0, newline)).split(' ');
  const bytes = file.slice(newline + 1);
  if (magic !== CACHE_MAGIC || fileKey !== key || digest !== sha256(bytes)) return undefined;
  return looksLikeLoader(bytes) ? bytes : undefined;
}

function looksLikeLoader(bytes: Uint8Array): boolean {
  return bytes.length >= 512 && bytes.length % 512 === 0 && bytes[510] === 0x55 && bytes[511] === 0xaa;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Assemble `<resourcesDir>/bootloader/bootloader.asm`, or take it from the cache when the same
 * sources and assembler made it. The assembler is imported only on a cache miss: the runner, which
 * cargo starts once per test executable, usually never needs it.
 */
export async function assembleBootloader(resourcesDir: string, cacheDir: string | false = defaultCacheDir()): Promise<AssembledLoader> {
  const t0 = performance.now();
  const loaderDir = resolve(resourcesDir, 'bootloader');
  const main = join(loaderDir, 'bootloader.asm');
  if (!existsSync(main)) throw new BootloaderAssemblyError(`the bootloader sources are missing: ${main}`);
  const key = cacheKey(loaderDir);
  const inMemory = memoryCache.get(key);
  if (inMemory) return { bytes: inMemory, hash: key, cached: 'memory', ms: performance.now() - t0 };
  const cacheFile = cacheDir ? join(cacheDir, `bootloader-${key}.bin`) : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    const bytes = decodeCacheFile(key, new Uint8Array(readFileSync(cacheFile)));
    if (bytes) {
      memoryCache.set(key, bytes);
      return { bytes, hash: key, cached: 'disk', ms: performance.now() - t0 };
    }
  }
  const { assemble } = await import('../asm/index.js');
  const read = new Map<string, Uint8Array | undefined>();
  const result = assemble(readFileSync(main, 'utf8'), {
    fileName: main,
    includePaths: [loaderDir],
    // The preprocessor asks for each include on every pass: read each file once.
    readFile: (requested) => {
      if (!read.has(requested)) read.set(requested, readInsideFolder(loaderDir, requested));
      return read.get(requested);
    },
  });
  if (!result.ok) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error').slice(0, 10);
    throw new BootloaderAssemblyError(`the bootloader did not assemble:\n${errors.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n')}`);
  }
  const bytes = result.bytes;
  if (!looksLikeLoader(bytes)) throw new BootloaderAssemblyError(`the bootloader assembled to ${bytes.length} bytes without a boot signature at 510`);
  memoryCache.set(key, bytes);
  if (cacheFile) {
    try {
      writeFileAtomic(cacheFile, encodeCacheFile(key, bytes));
    } catch {
      // A read-only or missing cache folder only costs speed.
    }
  }
  return { bytes, hash: key, cached: false, ms: performance.now() - t0 };
}
