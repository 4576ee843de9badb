// `%use` packages: macro sets NASM ships built in (its manual, chapter "Standard Macro Packages").
// Each is preprocessor source, read once per assembly, in the way NASM documents them. Only the
// packages whose behaviour is fully specified by the manual are here; `smartalign` (NOP tables
// tuned per CPU) and `masm` are not.

/** `%use ifunc`: the integer functions as ordinary names around NASM's `__?ilog2x?__` operators. */
function ifunc(): string {
  const plain: [string, string][] = [
    ['ilog2', 'ilog2e'],
    ['ilog2e', 'ilog2e'],
    ['ilog2w', 'ilog2w'],
    ['ilog2fw', 'ilog2w'],
    ['ilog2f', 'ilog2f'],
    ['ilog2c', 'ilog2c'],
  ];
  return [
    ...plain.map(([name, op]) => `%idefine ${name}(x) (__?${op}?__(x))`),
    // Rounds up, but warns (through ilog2w) when x is not a power of two.
    '%idefine ilog2cw(x) (__?ilog2w?__(x) * 0 + __?ilog2c?__(x))',
  ].join('\n');
}

/** `%use fp`: short names for the float operators and special values, and the `bf16` data macro. */
function fp(): string {
  const floats = ['float8', 'float16', 'bfloat16', 'float32', 'float64', 'float80m', 'float80e', 'float128l', 'float128h'];
  return [
    '%define Inf __?Infinity?__',
    '%define NaN __?QNaN?__',
    '%define QNaN __?QNaN?__',
    '%define SNaN __?SNaN?__',
    ...floats.map((f) => `%define ${f}(x) __?${f}?__(x)`),
    // bf16 takes any number of values and writes each as a bfloat16 word.
    '%imacro bf16 1-*.nolist',
    '%rep %0',
    'dw __?bfloat16?__(%1)',
    '%rotate 1',
    '%endrep',
    '%endmacro',
  ].join('\n');
}

/** `%use altreg`: Intel's numbered names for the first eight 64-bit registers and their parts, and r8l-r15l. */
function altreg(): string {
  const legacy = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
  const out: string[] = [];
  for (let n = 8; n < 16; n++) out.push(`%idefine r${n}l r${n}b`);
  legacy.forEach((r, n) => {
    const byte = n < 4 ? `${r[0]}l` : `${r}l`;
    out.push(`%idefine r${n} r${r}`, `%idefine r${n}d e${r}`, `%idefine r${n}w ${r}`, `%idefine r${n}b ${byte}`, `%idefine r${n}l ${byte}`);
  });
  // The high-byte registers keep their names under the numbered scheme.
  out.push('%idefine r0h ah', '%idefine r1h ch', '%idefine r2h dh', '%idefine r3h bh');
  return out.join('\n');
}

const PACKAGES: Record<string, () => string> = { ifunc, fp, altreg };

/** The source of a `%use` package, or undefined when Bootlab does not have it. Names are case-insensitive. */
export function packageSource(name: string): string | undefined {
  const make = PACKAGES[name.toLowerCase()];
  return make ? make() : undefined;
}

/** Packages NASM has that Bootlab does not provide (their `%use` is refused with a clear message). */
export const MISSING_PACKAGES = new Set(['smartalign', 'masm']);
