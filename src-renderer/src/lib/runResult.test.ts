// The Run result for the endings of issue 14: a halted kernel (neutral, where it halted), a
// panic (its location as a link), and the call chain with library frames folded and the first
// frame of the user's crate highlighted.
import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { RunOutcome, StackFrame } from '../../../src-main/shared/api.js';
import RunResult from '../components/RunResult.svelte';
import { groupFrames, runResultView } from './runResult.js';

const FRAMES: StackFrame[] = [
  { address: 0x204e51, symbol: 'core::ptr::read_volatile<u64>', file: '/usr/lib/rustlib/src/rust/library/core/src/ptr/mod.rs', line: 2095, inUserCrate: false },
  { address: 0x2040e7, symbol: 'k::level3', file: 'src/main.rs', line: 80, column: 14, inUserCrate: true },
  { address: 0x2040a6, symbol: 'k::level2', file: 'src/main.rs', line: 73, inUserCrate: true },
  { address: 0x206000, symbol: 'core::fmt::write', inUserCrate: false },
  { address: 0x206100, symbol: 'compiler_builtins::mem::memcpy', inUserCrate: false },
  { address: 0x204049, symbol: 'k::level1', file: 'src/main.rs', line: 66, inUserCrate: true },
];

describe('runResultView for halts, panics and call chains', () => {
  it('shows a halted kernel as a neutral end with where it halted', () => {
    const view = runResultView({ kind: 'halted', message: 'Kernel halted at k::halt (src/main.rs:39)', exitCode: 0, symbol: 'k::halt', rip: 0x204001, frames: [] });
    expect(view).toMatchObject({ title: 'Kernel halted', tone: 'neutral' });
    expect(view.details).toContainEqual({ term: 'Halted in', value: 'k::halt' });
    expect(view.details).toContainEqual({ term: 'Exit status', value: '0' });
  });

  it('titles a panic and gives its location', () => {
    const view = runResultView({
      kind: 'failure',
      message: 'Kernel panicked at src/main.rs:61:5: out of frames',
      panicMessage: 'panicked at src/main.rs:61:5: out of frames',
      panicLocation: { file: 'src/main.rs', line: 61, column: 5 },
      exitCode: 1,
    });
    expect(view).toMatchObject({ title: 'Kernel panicked', tone: 'bad', panicLocation: 'src/main.rs:61:5' });
  });

  it('folds runs of library frames and highlights the first frame of the user\'s crate', () => {
    const groups = groupFrames(FRAMES);
    expect(groups.map((g) => (g.kind === 'frame' ? g.frame.symbol : `folded ${g.frames.length}`))).toEqual([
      'folded 1',
      'k::level3',
      'k::level2',
      'folded 2',
      'k::level1',
    ]);
    expect(groups[1]).toEqual({ kind: 'frame', frame: { symbol: 'k::level3', location: 'src/main.rs:80', highlighted: true } });
    expect(groups.filter((g) => g.kind === 'frame' && g.frame.highlighted)).toHaveLength(1);
  });
});

describe('RunResult', () => {
  it('lists the call chain, opens a frame\'s or the panic\'s location in the editor, and copies it with Copy', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const outcome: RunOutcome = {
      kind: 'failure',
      message: 'Kernel panicked at src/main.rs:61:5: out of frames',
      panicMessage: 'panicked at src/main.rs:61:5: out of frames',
      panicLocation: { file: 'src/main.rs', line: 61, column: 5 },
      frames: FRAMES,
    };
    const onOpen = vi.fn();
    render(RunResult, { outcome, running: false, onOpen });
    const chain = screen.getByRole('list', { name: 'Call chain' });
    expect(chain.textContent).toContain('k::level3');
    expect(chain.querySelector('.highlighted')?.textContent).toContain('k::level3');
    expect(chain.textContent).toContain('2 library frames');
    await fireEvent.click(screen.getByRole('button', { name: 'src/main.rs:61:5' }));
    await fireEvent.click(screen.getByRole('button', { name: 'src/main.rs:73' }));
    expect(onOpen.mock.calls).toEqual([[{ file: 'src/main.rs', line: 61, column: 5 }], [{ file: 'src/main.rs', line: 73, column: undefined }]]);
    expect(writeText).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Copy location src/main.rs:61:5' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Copy location src/main.rs:73' }));
    expect(writeText.mock.calls).toEqual([['src/main.rs:61:5'], ['src/main.rs:73']]);
  });
});
