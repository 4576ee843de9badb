import { describe, expect, it } from 'vitest';
import { arrowLocation } from './buildLog.svelte.js';

describe('arrowLocation', () => {
  it("finds the place in rustc's `-->` lines and nothing elsewhere", () => {
    expect(arrowLocation('  --> src/main.rs:9:18')).toEqual({ file: 'src/main.rs', line: 9, column: 18 });
    expect(arrowLocation('   --> /home/me/my kernel/src/lib.rs:120:5 ')).toEqual({ file: '/home/me/my kernel/src/lib.rs', line: 120, column: 5 });
    expect(arrowLocation('error[E0308]: mismatched types')).toBeUndefined();
    expect(arrowLocation('  = note: expected `u32`, found `&str` --> not a place')).toBeUndefined();
  });
});
