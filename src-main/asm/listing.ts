// NASM-style listing (-l): line number, section offset, up to 9 bytes per row, macro depth, source.
// Relocatable fields are shown unrelocated in brackets, as NASM does.

import type { ListRec, Section } from './assembler.js';
import type { Diagnostic } from './diagnostics.js';
import type { PLine } from './preprocessor.js';

const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, '0');

function bytesField(rec: ListRec): { text: string; n: number }[] {
  if (rec.res !== undefined) return [{ text: rec.res <= 8 ? '??'.repeat(rec.res) : `<res ${rec.res.toString(16).toUpperCase()}h>`, n: rec.res }];
  if (rec.times && rec.times.count > 1) {
    const unit = rec.times.unit;
    const rep = `<rep ${rec.times.count.toString(16).toUpperCase()}h>`;
    if (unit.length <= 9) return [{ text: unit.map((b) => hex(b, 2)).join('') + rep, n: rec.bytes.length }];
    // A long unit is listed in 9-byte rows; the <rep> row repeats the last row's offset.
    const rows: { text: string; n: number }[] = [];
    for (let i = 0; i < unit.length; i += 9) rows.push({ text: unit.slice(i, i + 9).map((b) => hex(b, 2)).join(''), n: 9 });
    rows[rows.length - 1].n = 0;
    rows.push({ text: rep, n: 0 });
    return rows;
  }
  const parts: { text: string; n: number }[] = [];
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
      parts.push({ text: fx.paren ? `(${body})` : `[${body}]`, n: fx.size });
      i += fx.size;
    } else {
      parts.push({ text: hex(rec.bytes[i], 2), n: 1 });
      i++;
    }
  }
  // Rows of at most 9 bytes; a relocated field is never split across rows.
  const rows: { text: string; n: number }[] = [];
  let cur = '';
  let count = 0;
  for (const p of parts) {
    if (count + p.n > 9 && cur) {
      rows.push({ text: cur, n: count });
      cur = '';
      count = 0;
    }
    cur += p.text;
    count += p.n;
  }
  if (cur) rows.push({ text: cur, n: count });
  return rows;
}

export function formatListing(lines: PLine[], recs: ListRec[], _sections: Section[], diags: Diagnostic[]): string {
  const byLine = new Map<number, ListRec[]>();
  for (const r of recs) {
    const a = byLine.get(r.line);
    if (a) a.push(r);
    else byLine.set(r.line, [r]);
  }
  const diagByLine = new Map<string, Diagnostic[]>();
  for (const d of diags) {
    const k = `${d.file}:${d.line}`;
    const a = diagByLine.get(k);
    if (a) a.push(d);
    else diagByLine.set(k, [d]);
  }
  const out: string[] = [];
  const seenDiag = new Set<string>();
  lines.forEach((l, idx) => {
    const depth = l.depth > 0 ? `<${l.depth}>` : '';
    // Macro bodies are stored as tokens by NASM, so their whitespace comes out collapsed.
    const text = l.fromMacro ? l.listText.replace(/\s+/g, ' ') : l.listText;
    const num = String(l.listLine).padStart(6);
    const rs = byLine.get(idx);
    const rows: { off: number; field: string }[] = [];
    if (rs) {
      for (const r of rs) {
        const fields = bytesField(r);
        let off = r.off;
        fields.forEach((f, k) => {
          rows.push({ off, field: f.text + (k < fields.length - 1 ? '-' : '') });
          off += f.n;
        });
      }
    }
    // Row layout: number(6) offset(8) bytes(18) continuation mark, then depth and source on the first row.
    const tail = `${depth ? ' ' + depth : '    '} ${text}`;
    if (rows.length === 0) out.push(`${num} ${' '.repeat(8)} ${''.padEnd(19)}${tail}`);
    else {
      rows.forEach((r, k) => {
        const field = r.field.padEnd(19);
        out.push(`${num} ${hex(r.off, 8)} ${field}${k === 0 ? tail : ''}`);
      });
    }
    const k = `${l.file}:${l.line}`;
    const ds = diagByLine.get(k);
    if (ds && !seenDiag.has(k) && (idx + 1 >= lines.length || lines[idx + 1].line !== l.line || lines[idx + 1].file !== l.file)) {
      seenDiag.add(k);
      for (const d of ds) out.push(`${num}          ******************  ${depth ? depth + ' ' : '    '} ${d.severity}: ${d.message}`);
    }
  });
  return out.join('\n') + '\n';
}
