// The preprocessor's line reader (one scan) against the regex split it replaced, on random text
// made of line ends, backslashes and blanks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLines } from './preprocessor.js';

/** The earlier definition: split on terminators, join after a backslash before CR or LF. */
function reference(src: string): { text: string; line: number }[] {
  const parts = src.split(/(\r\n?|[\n\x1a\0])/);
  const out: { text: string; line: number }[] = [];
  let line = 1;
  for (let i = 0; i < parts.length; i += 2) {
    let text = parts[i];
    const first = line;
    line++;
    while (text.endsWith('\\') && (parts[i + 1] === '\n' || parts[i + 1]?.[0] === '\r') && i + 2 < parts.length) {
      text = text.slice(0, -1) + parts[(i += 2)];
      line++;
    }
    out.push({ text, line: first });
  }
  if (out.length && out[out.length - 1].text === '' && parts.length > 1 && parts[parts.length - 1] === '') out.pop();
  return out;
}

describe('splitLines', () => {
  it('reads lines as the regex split did, on random text', () => {
    const piece = fc.constantFrom('a', 'mov', ' ', '\\', '\r', '\n', '\r\n', '\x1a', '\0', ';x');
    fc.assert(fc.property(fc.array(piece, { maxLength: 40 }).map((a) => a.join('')), (src) => {
      expect(splitLines(src)).toEqual(reference(src));
    }), { numRuns: 5000, seed: 11 });
  });

  it.each(['', 'a', 'a\n', 'a\n\n', 'x\n\\\n', 'a\\\nb', 'a\\\r\nb\r\n', 'a\\\x1ab', '\\', '\n', 'a\\\n\\\nb\n'])('reads %j as the regex split did', (src) => {
    expect(splitLines(src)).toEqual(reference(src));
  });
});
