// NASM-style listing (-l): line number, section offset, an 18-column hex field, macro depth, source.
// Relocatable fields are shown unrelocated in brackets, as NASM does.

import type { ListRec, Section } from './assembler.js';
import type { Diagnostic } from './diagnostics.js';
import type { PLine } from './preprocessor.js';
import { stripComment } from './preprocessor.js';

const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, '0');
const LIST_DIRECTIVE = /^\s*\[\s*list\s+([+-])\s*\]\s*$/i;

/** An atomic piece of the hex field: a byte, a relocated field, or a `<rep>`/`<res>` marker. */
interface Part {
  text: string;
  off: number; // offset of the first byte it stands for
  marker?: boolean;
}

function parts(rec: ListRec): Part[] {
  if (rec.bin && !(rec.times && rec.times.count > 1)) return [{ text: `<bin ${rec.bytes.length.toString(16).toUpperCase()}h>`, off: rec.off, marker: true }];
  if (rec.res !== undefined) {
    if (rec.res <= 8) return Array.from({ length: rec.res }, (_, i) => ({ text: '??', off: rec.off + i }));
    return [{ text: `<res ${rec.res.toString(16).toUpperCase()}h>`, off: rec.off, marker: true }];
  }
  if (rec.times && rec.times.count > 1) {
    const unit = rec.times.unit;
    const out = parts({ ...rec, bytes: unit, fixes: rec.times.fixes ?? [], times: undefined });
    out.push({ text: `<rep ${rec.times.count.toString(16).toUpperCase()}h>`, off: rec.off + unit.length, marker: true });
    return out;
  }
  const out: Part[] = [];
  const fixAt = new Map<number, { size: number; paren: boolean; raw?: bigint }>();
  for (const f of rec.fixes) {
    if (f.minus >= 0 || f.raw !== undefined) fixAt.set(f.at, { size: f.size, paren: true, raw: f.raw });
    else if (f.plus >= 0) fixAt.set(f.at, { size: f.size, paren: false });
  }
  let i = 0;
  while (i < rec.bytes.length) {
    const fx = fixAt.get(i);
    if (fx) {
      let body: string;
      if (fx.raw !== undefined) {
        let x = BigInt.asUintN(fx.size * 8, fx.raw);
        body = '';
        for (let k = 0; k < fx.size; k++) {
          body += hex(Number(x & 0xffn), 2);
          x >>= 8n;
        }
      } else body = rec.bytes.slice(i, i + fx.size).map((b) => hex(b, 2)).join('');
      out.push({ text: fx.paren ? `(${body})` : `[${body}]`, off: rec.off + i });
      i += fx.size;
    } else {
      out.push({ text: hex(rec.bytes[i], 2), off: rec.off + i });
      i++;
    }
  }
  return out;
}

/**
 * NASM fills an 18-character hex field per row and starts a continuation row (marked `-`)
 * when the next piece would not fit; pieces are never split. A `<rep>` marker that starts a row
 * keeps the previous row's offset.
 */
function rowsOf(ps: Part[]): { off: number; field: string }[] {
  const rows: { off: number; field: string }[] = [];
  let cur = '';
  let off = 0;
  for (const p of ps) {
    if (cur && cur.length + p.text.length > 18) {
      rows.push({ off, field: cur });
      cur = '';
    }
    if (!cur) off = p.marker && rows.length ? rows[rows.length - 1].off : p.off;
    cur += p.text;
  }
  if (cur) rows.push({ off, field: cur });
  return rows.map((r, k) => (k < rows.length - 1 ? { off: r.off, field: r.field + '-' } : r));
}

/**
 * The listing. A message is listed after the row of the line it arose at (`lineOf`: an index into
 * `lines`), which for a line of a .nolist macro is its call's row, as NASM lists them: a macro
 * call's own warnings before its expansion, each expansion line's after it. Messages without such
 * a line go after the last row of their source line.
 */
export function formatListing(lines: PLine[], recs: ListRec[], _sections: Section[], diags: Diagnostic[], lineOf: (d: Diagnostic) => number | undefined = () => undefined): string {
  const byLine = new Map<number, ListRec[]>();
  for (const r of recs) {
    const key = lines[r.line]?.listAs ?? r.line;
    const a = byLine.get(key);
    if (a) a.push(r);
    else byLine.set(key, [r]);
  }
  const diagByRow = new Map<number, Diagnostic[]>();
  const diagByLine = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    const at = lineOf(d);
    const row = at !== undefined && at < lines.length ? (lines[at].listAs ?? at) : undefined;
    const map: Map<number | string, Diagnostic[]> = row === undefined ? diagByLine : diagByRow;
    const k = row ?? `${d.file}:${d.line}`;
    const a = map.get(k);
    if (a) a.push(d);
    else map.set(k, [d]);
  }
  const out: string[] = [];
  const seenDiag = new Set<string>();
  // `[list -]` is listed and stops the listing; `[list +]` resumes it after itself.
  let listing = true;
  let lastNum = '';
  lines.forEach((l, idx) => {
    if (l.listAs !== undefined) return; // body of a .nolist macro
    const listed = listing;
    const onOff = l.text.includes('[') ? LIST_DIRECTIVE.exec(l.text) : null;
    if (onOff) listing = onOff[1] === '+';
    if (!listed) {
      // Messages of unlisted lines still come out, under the last listed line's number.
      const k = `${l.file}:${l.line}`;
      const ds = [...(diagByRow.get(idx) ?? []), ...(seenDiag.has(k) ? [] : diagByLine.get(k) ?? [])];
      seenDiag.add(k);
      for (const d of ds) out.push(`${lastNum}          ******************       ${d.severity}: ${d.message}`);
      return;
    }
    const depth = l.depth > 0 ? `<${l.depth}>` : '';
    // Macro bodies are stored as tokens by NASM, so their whitespace comes out collapsed.
    // Their comments are gone too (`mov ax, %1 ; load` lists as `mov ax, %1`).
    const text = l.fromMacro ? stripComment(l.listText).replace(/\s+/g, ' ').replace(/ $/, '') : l.listText;
    const num = String(l.listLine).padStart(6);
    lastNum = num;
    const rs = byLine.get(idx);
    const rows = rs ? rowsOf(rs.flatMap(parts)) : [];
    // Row layout: number(6) offset(8) bytes(18) continuation mark, then depth and source on the first row.
    const tail = `${depth ? ' ' + depth : '    '} ${text}`;
    if (rows.length === 0) out.push(`${num} ${' '.repeat(8)} ${''.padEnd(19)}${tail}`);
    else {
      rows.forEach((r, k) => {
        const field = r.field.padEnd(19);
        // Continuation rows repeat the depth mark (`<1>`), without the source.
        out.push(`${num} ${hex(r.off, 8)} ${field}${k === 0 ? tail : depth ? ' ' + depth : ''}`);
      });
    }
    const listDiags = (ds: Diagnostic[]): void => {
      for (const d of ds) out.push(`${num}          ******************  ${depth ? depth + ' ' : '    '} ${d.severity}: ${d.message}`);
    };
    listDiags(diagByRow.get(idx) ?? []);
    const k = `${l.file}:${l.line}`;
    const ds = diagByLine.get(k);
    if (ds && !seenDiag.has(k) && (idx + 1 >= lines.length || lines[idx + 1].line !== l.line || lines[idx + 1].file !== l.file)) {
      seenDiag.add(k);
      listDiags(ds);
    }
  });
  return out.join('\n') + '\n';
}
