// Inputs of the assembler benchmark (scripts/bench-asm.ts), also read by the assembler's tests:
// deterministic generated sources, so every run assembles the same files.

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
  // NASM's other number forms and repeated/macro lines, as real sources mix them in.
  'mov ecx, 0Bh', 'and edx, 0DFh', 'or al, 0B3h', 'times 3 nop', 'addk rax, 0x10', 'times 2 db 0xCC', 'pushpair rbx, rcx',
];
const JCC = ['jmp', 'je', 'jne', 'jl', 'jg', 'jb', 'jae', 'jz', 'jnz'];

/** A 64-bit file with many interdependent forward and backward jumps, local labels, macros and times. */
export function jumpyFile(lines: number): string {
  const r = rng(12345);
  const out: string[] = ['bits 64', 'default abs', '%macro addk 2', '  add %1, %2', '%endmacro', '%macro pushpair 2', '  push %1', '  push %2', '  pop %2', '  pop %1', '%endmacro', 'start:'];
  const labels = Math.floor(lines / 5);
  let label = 0;
  while (out.length < lines - 4) {
    out.push(`L${label}:`);
    const n = 1 + Math.floor(r() * 6);
    let local = false;
    for (let k = 0; k < n; k++) {
      const x = r();
      if (x < 0.3) {
        // Targets cluster near the short-jump boundary so sizes depend on each other.
        const dist = Math.floor(r() * 24) - 10;
        const t = Math.min(labels - 1, Math.max(0, label + dist));
        out.push(`    ${JCC[Math.floor(r() * JCC.length)]} L${t}`);
      } else if (x < 0.33) out.push(`    call L${Math.min(labels - 1, Math.floor(r() * labels))}`);
      else if (x < 0.38 && !local) {
        out.push('.loop:');
        local = true;
      } else if (x < 0.42 && local) out.push(`    ${JCC[Math.floor(r() * JCC.length)]} .loop`);
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
export function straightFile(lines: number, seed = 999): string {
  const out: string[] = ['bits 64'];
  const r = rng(seed);
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  for (let i = 0; i < lines; i++) {
    out.push(pick(TEMPLATES).replace(/R/g, () => pick(REGS)).replace(/I/g, () => String(Math.floor(r() * 5000) - 100)));
  }
  out.push('data_area: dq 0');
  return out.join('\n') + '\n';
}

/** One 16-bit module of a 200-file project: shared macros and constants, procedures, jumps, strings. */
export function projectFile(k: number): string {
  const r = rng(1000 + k);
  const out = ['%include "defs.inc"', 'bits 16', `org 0x${(0x1000 + k * 0x100).toString(16)}`, `mod${k}_start:`];
  for (let p = 0; p < 12; p++) {
    out.push(`proc${p}:`, '    PROLOGUE');
    for (let i = 0; i < 8; i++) {
      const x = r();
      if (x < 0.2) out.push(`    cmp ax, ${Math.floor(r() * 300)}`, `    jne .skip${i}`, `    inc word [counter]`, `.skip${i}:`);
      else if (x < 0.4) out.push(`    mov si, msg${p}`, '    PRINT si');
      else if (x < 0.55) out.push(`    call proc${Math.floor(r() * 12)}`);
      else if (x < 0.7) out.push(`    mov bx, VIDEO_SEG`, '    mov es, bx', `    mov word [es:di+${2 * i}], 0x0F41`);
      else out.push(`    add ax, 0${(10 + i).toString(16).toUpperCase()}h`, '    shl ax, 1');
    }
    out.push('    EPILOGUE', `msg${p}: db "module ${k} procedure ${p}", 13, 10, 0`);
  }
  out.push('counter: dw 0', 'times 16 - ($ - $$) % 16 db 0');
  return out.join('\n') + '\n';
}
export const PROJECT_DEFS = ['VIDEO_SEG equ 0B800h', '%macro PROLOGUE 0', '  push bp', '  mov bp, sp', '%endmacro', '%macro EPILOGUE 0', '  mov sp, bp', '  pop bp', '  ret', '%endmacro',
  '%macro PRINT 1', '  push si', '  mov si, %1', '  call print_string', '  pop si', '%endmacro', 'print_string equ 0x0500'].join('\n') + '\n';
