// How a run ended, as the Run result region shows it: a headline, its tone, and the details
// (exception chain, faulting address and symbol, exit status, last serial line).
import type { RunOutcome } from '../../../src-main/shared/api.js';
import { hex } from './format.js';

export type Tone = 'ok' | 'bad' | 'neutral';

export interface RunResultView {
  title: string;
  tone: Tone;
  message: string;
  details: { term: string; value: string }[];
  exceptions: string[];
}

const TITLES: Record<RunOutcome['kind'], [string, Tone]> = {
  success: ['Success', 'ok'],
  failure: ['Failure', 'bad'],
  timeout: ['Timed out', 'bad'],
  'triple-fault': ['Triple fault', 'bad'],
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

export function runResultView(outcome: RunOutcome): RunResultView {
  const [title, tone] = TITLES[outcome.kind];
  const details: RunResultView['details'] = [];
  if (outcome.symbol) details.push({ term: 'Faulting symbol', value: outcome.symbol });
  if (outcome.rip !== undefined) details.push({ term: 'Faulting address', value: hex(outcome.rip) });
  if (outcome.panicMessage) details.push({ term: 'Panic', value: outcome.panicMessage });
  if (outcome.exitCode !== undefined) details.push({ term: 'Exit status', value: String(outcome.exitCode) });
  if (outcome.qemuStatus !== undefined && outcome.qemuStatus !== null) details.push({ term: 'QEMU status', value: String(outcome.qemuStatus) });
  if (outcome.lastSerialLine) details.push({ term: 'Last serial line', value: outcome.lastSerialLine });
  return { title, tone, message: outcome.message, details, exceptions: (outcome.exceptions ?? []).map(describeException) };
}
