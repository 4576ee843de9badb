// How a run ended, as the Run result region shows it: a headline, its tone, and the details
// (exception chain, faulting address and symbol, panic location, call chain, exit status, last
// serial line).
import type { RunOutcome, StackFrame } from '../../../src-main/shared/api.js';
import { hex } from './format.js';

export type Tone = 'ok' | 'bad' | 'neutral';

export interface RunResultView {
  title: string;
  tone: Tone;
  message: string;
  details: { term: string; value: string }[];
  exceptions: string[];
  /** `FILE:LINE:COL` of a panic, shown as a link. */
  panicLocation?: string;
  /** The call chain, innermost first; library frames (core, alloc...) folded into groups. */
  frames: FrameGroup[];
}

export interface FrameView {
  symbol: string;
  /** `FILE:LINE`, when the line table knew it. */
  location?: string;
  /** The innermost frame in the user's own crate: where to look first. */
  highlighted: boolean;
}

export type FrameGroup = { kind: 'frame'; frame: FrameView } | { kind: 'folded'; frames: FrameView[] };

const TITLES: Record<RunOutcome['kind'], [string, Tone]> = {
  success: ['Success', 'ok'],
  failure: ['Failure', 'bad'],
  timeout: ['Timed out', 'bad'],
  'triple-fault': ['Triple fault', 'bad'],
  halted: ['Kernel halted', 'neutral'],
  exited: ['QEMU exited', 'neutral'],
  stopped: ['Stopped', 'neutral'],
  error: ['Could not run', 'bad'],
};

export function describeException(e: { vector: number; name: string; errorCode?: number; cr2?: number; rip?: number }): string {
  const parts = [`#${e.vector} ${e.name}`];
  if (e.errorCode !== undefined) parts.push(`error code ${hex(e.errorCode)}`);
  if (e.rip !== undefined) parts.push(`at ${hex(e.rip)}`);
  if (e.cr2 !== undefined) parts.push(`CR2 ${hex(e.cr2)}`);
  return parts.join(', ');
}

/** Frames in the user's crate stand alone; runs of other frames fold into one group. */
export function groupFrames(frames: StackFrame[]): FrameGroup[] {
  const firstUser = frames.findIndex((f) => f.inUserCrate);
  const groups: FrameGroup[] = [];
  frames.forEach((f, i) => {
    const view: FrameView = {
      symbol: f.symbol ?? hex(f.address),
      location: f.file !== undefined ? `${f.file}:${f.line}` : undefined,
      highlighted: i === firstUser,
    };
    const last = groups[groups.length - 1];
    if (f.inUserCrate) groups.push({ kind: 'frame', frame: view });
    else if (last?.kind === 'folded') last.frames.push(view);
    else groups.push({ kind: 'folded', frames: [view] });
  });
  return groups;
}

export function runResultView(outcome: RunOutcome): RunResultView {
  const [title, tone] = outcome.kind === 'failure' && outcome.panicMessage ? ['Kernel panicked', 'bad' as Tone] : TITLES[outcome.kind];
  const details: RunResultView['details'] = [];
  const where = outcome.kind === 'halted' ? ['Halted in', 'Address'] : ['Faulting symbol', 'Faulting address'];
  if (outcome.symbol) details.push({ term: where[0]!, value: outcome.symbol });
  if (outcome.rip !== undefined) details.push({ term: where[1]!, value: hex(outcome.rip) });
  if (outcome.panicMessage) details.push({ term: 'Panic', value: outcome.panicMessage });
  if (outcome.exitCode !== undefined) details.push({ term: 'Exit status', value: String(outcome.exitCode) });
  if (outcome.qemuStatus !== undefined && outcome.qemuStatus !== null) details.push({ term: 'QEMU status', value: String(outcome.qemuStatus) });
  if (outcome.lastSerialLine) details.push({ term: 'Last serial line', value: outcome.lastSerialLine });
  const p = outcome.panicLocation;
  return {
    title,
    tone,
    message: outcome.message,
    details,
    exceptions: (outcome.exceptions ?? []).map(describeException),
    panicLocation: p ? `${p.file}:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : undefined,
    frames: groupFrames(outcome.frames ?? []),
  };
}
