// `%use` packages: macro sets NASM ships built in (its manual, chapter "Standard Macro Packages").
// Each is preprocessor source, read once per assembly, in the way NASM documents them. `masm`
// is not provided.

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

/**
 * NOP fillers per `alignmode` and mode, as NASM 2.16.01's smartalign package sets them: the jump
 * threshold, then for 16-, 32- and 64-bit code the group size and the fillers of 1..n bytes.
 * A mode only (re)defines what it lists: `k7` sets no 16-bit group size (NASM's package sets the
 * 64-bit one twice), so 16-bit k7 code keeps the group size, and the longer fillers, of the mode
 * before it.
 */
const ALIGN_MODES: Record<string, { threshold: number; modes: Record<16 | 32 | 64, { group?: number; fill: string[] }> }> = {
  nop: { threshold: 16, modes: { 16: { group: 1, fill: ['90'] }, 32: { group: 1, fill: ['90'] }, 64: { group: 1, fill: ['90'] } } },
  generic: {
    threshold: 8,
    modes: {
      16: { group: 8, fill: ['90', '89 f6', '8d 74 00', '8d b4 00 00', '8d b4 00 00 90', '8d b4 00 00 89 ff', '8d b4 00 00 8d 7d 00', '8d b4 00 00 8d bd 00 00'] },
      32: { group: 7, fill: ['90', '89 f6', '8d 76 00', '8d 74 26 00', '90 8d 74 26 00', '8d b6 00 00 00 00', '8d b4 26 00 00 00 00'] },
      64: { group: 4, fill: ['90', '66 90', '66 66 90', '66 66 66 90'] },
    },
  },
  k8: {
    threshold: 16,
    modes: {
      16: { group: 4, fill: ['90', '66 90', '66 66 90', '66 66 66 90'] },
      32: { group: 4, fill: ['90', '66 90', '66 66 90', '66 66 66 90'] },
      64: { group: 4, fill: ['90', '66 90', '66 66 90', '66 66 66 90'] },
    },
  },
  k7: {
    threshold: 16,
    modes: {
      16: { fill: ['90', '66 90', '66 66 90', '66 66 66 90'] },
      32: { group: 7, fill: ['90', '8b c0', '8d 04 20', '8d 44 20 00', '8d 44 20 00 90', '8d 80 00 00 00 00', '8d 04 05 00 00 00 00'] },
      64: { group: 4, fill: ['90', '66 90', '66 66 90', '66 66 66 90'] },
    },
  },
  p6: {
    threshold: 16,
    modes: {
      16: { group: 4, fill: ['90', '66 90', '0f 1f 00', '0f 1f 40 00'] },
      32: { group: 8, fill: ['90', '66 90', '0f 1f 00', '0f 1f 40 00', '0f 1f 44 00 00', '66 0f 1f 44 00 00', '0f 1f 80 00 00 00 00', '0f 1f 84 00 00 00 00 00'] },
      64: { group: 8, fill: ['90', '66 90', '0f 1f 00', '0f 1f 40 00', '0f 1f 44 00 00', '66 0f 1f 44 00 00', '0f 1f 80 00 00 00 00', '0f 1f 84 00 00 00 00 00'] },
    },
  },
};

/**
 * `%use smartalign`: `alignmode MODE[, THRESHOLD|nojmp]` picks the fillers, and `align N` without
 * a fill pads with them: groups of the largest filler then one shorter filler, or, when the gap is
 * larger than the threshold, a `jmp` over plain NOPs. The gap depends on `$`, which our
 * preprocessor does not know, so each step is a `times` whose count tests the gap still left.
 */
function smartalign(): string {
  const out: string[] = ['%imacro alignmode 1-2.nolist'];
  Object.entries(ALIGN_MODES).forEach(([name, mode], i) => {
    out.push(`%${i === 0 ? '' : 'el'}ifidni %1,${name}`, `%define __?ALIGN_JMP_THRESHOLD?__ ${mode.threshold}`);
    for (const bits of [16, 32, 64] as const) {
      const m = mode.modes[bits];
      if (m.group !== undefined) out.push(`%define __?ALIGN_${bits}BIT_GROUP?__ ${m.group}`);
      m.fill.forEach((bytes, k) => out.push(`%define __?ALIGN_${bits}BIT_${k + 1}B?__ ${bytes.split(' ').map((b) => '0x' + b).join(',')}`));
    }
  });
  out.push(
    '%else',
    '%error unknown alignment mode: %1',
    '%endif',
    '%ifnempty %2',
    '%ifidni %2,nojmp',
    '%xdefine __?ALIGN_JMP_THRESHOLD?__ -1',
    '%else',
    '%xdefine __?ALIGN_JMP_THRESHOLD?__ %2',
    '%endif',
    '%endif',
    '%xdefine __?ALIGNMODE?__ %1,__?ALIGN_JMP_THRESHOLD?__',
    '%endmacro',
    '%define __ALIGNMODE__ __?ALIGNMODE?__',
  );
  const gap = '(((%1) - (($-$$) % (%1))) % (%1))';
  // NASM's package removes the standard `align` first (no redefinition warning).
  // NASM's `-E` (__?PASS?__ 3) pads with NOPs; the assembly's fillers are worked out in a context
  // of their own, which counts in the macro-local numbers as NASM's does.
  out.push('%unimacro align 1-2+.nolist', '%imacro align 1-2+.nolist', 'sectalign %1', '%ifnempty %2', `times ${gap} %2`, '%elif __?PASS?__ == 0 || __?PASS?__ == 3', `times ${gap} nop`, '%else', '%push', '%%start:');
  out.push(`times (__?ALIGN_JMP_THRESHOLD?__ != -1) * (${gap} > __?ALIGN_JMP_THRESHOLD?__) jmp %%end`);
  // After the jump: plain NOPs up to the boundary (nothing is left for the fillers below).
  out.push(`times (($ - %%start) > 0) * ${gap} nop`);
  for (const bits of [16, 32, 64]) {
    const v = `__?ALIGN_${bits}BIT`;
    out.push(`%${bits === 16 ? '' : 'el'}if __?BITS?__ == ${bits}`, `times ${gap} / ${v}_GROUP?__ db ${v}_%[${v}_GROUP?__]B?__`);
    // The remainder, shorter than a group: at most one of these lines has a count.
    for (let r = 7; r >= 1; r--) out.push(`%if ${v}_GROUP?__ > ${r}`, `times ${gap} == ${r} db ${v}_${r}B?__`, '%endif');
  }
  out.push('%endif', '%%end:', '%pop', '%endif', '%endmacro', 'alignmode generic');
  return out.join('\n');
}

const PACKAGES: Record<string, () => string> = { ifunc, fp, altreg, smartalign };

/** The source of a `%use` package, or undefined when Bootlab does not have it. Names are case-insensitive. */
export function packageSource(name: string): string | undefined {
  const make = PACKAGES[name.toLowerCase()];
  return make ? make() : undefined;
}

/** Packages NASM has that Bootlab does not provide (their `%use` is refused with a clear message). */
export const MISSING_PACKAGES = new Set(['masm']);
