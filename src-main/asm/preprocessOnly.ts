// NASM's `-E` (preprocess only): the source after the preprocessor, as text, with `%line`
// markers wherever the line numbering jumps, so that a later assembly reports the original lines.

import { Diags, type Diagnostic } from './diagnostics.js';
import { Preprocessor, type EmittedLine, type PreprocessOptions } from './preprocessor.js';

export interface PreprocessResult {
  text: string;
  diagnostics: Diagnostic[];
  ok: boolean;
}

export function preprocess(source: string, options: Omit<PreprocessOptions, 'preprocessOnly'>): PreprocessResult {
  const diags = new Diags();
  const pp = new Preprocessor({ ...options, preprocessOnly: true }, diags);
  pp.run(source);
  // Without assembly passes every message the preprocessor produced is final.
  const diagnostics = diags.sorted([...diags.early, ...diags.final]);
  return { text: formatPreprocessed(pp.emitted), diagnostics, ok: !diagnostics.some((d) => d.severity === 'error') };
}

/** A file name in a `%line` marker: as it is unless it needs quotes. */
function quoteFileName(name: string): string {
  return /^[^\s"'`]*$/.test(name) ? name : `"${name.replace(/["\\]/g, (c) => '\\' + c)}"`;
}

/**
 * NASM's `%line` bookkeeping (nasm.c, preprocess-only mode): it tracks the line it expects next
 * and an increment (1 while lines advance, 0 while a %rep body repeats one line). A gap of one
 * line becomes a blank line; any other jump a `%line N+inc file` marker. A blank line that would
 * be followed by a marker anyway is left out.
 */
export function formatPreprocessed(lines: readonly EmittedLine[]): string {
  let out = '';
  let file: string | undefined;
  let linnum = 0;
  let inc = 0;
  for (const l of lines) {
    if (l.file !== file) {
      file = l.file;
      linnum = -1;
      inc = 1;
    } else if (inc) {
      if (linnum + inc === l.line) {
        out += '\n';
        linnum += inc;
      } else if (linnum - inc === l.line) inc = 0;
    } else if (linnum + 1 === l.line) inc = 1;
    if (linnum === -1 && l.text === '') continue;
    if (linnum !== l.line) out += `%line ${l.line}${inc >= 0 ? '+' : ''}${inc} ${quoteFileName(l.file)}\n`;
    linnum = l.line + inc;
    out += l.text + '\n';
  }
  return out;
}
