// A small TOML reader for what Bootlab needs from `.cargo/config.toml` and Cargo.toml before
// cargo runs (the build target, `[unstable] build-std`, whether there are registry
// dependencies). Tables, dotted keys, strings, numbers, booleans, arrays and inline tables;
// array-of-tables headers are read into arrays. Anything it cannot read is skipped, not fatal:
// cargo itself is the judge of a manifest's validity.

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  eof(): boolean {
    return this.pos >= this.text.length;
  }
  skipWs(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.pos++;
      else if (c === '#') {
        while (!this.eof() && this.peek() !== '\n') this.pos++;
      } else return;
    }
  }
  skipLine(): void {
    while (!this.eof() && this.peek() !== '\n') this.pos++;
  }
}

function readKey(r: Reader): string[] {
  const parts: string[] = [];
  for (;;) {
    r.skipWs(false);
    const c = r.peek();
    if (c === '"' || c === "'") parts.push(readString(r));
    else {
      const m = /^[A-Za-z0-9_-]+/.exec(r.text.slice(r.pos));
      if (!m) throw new Error('bad key');
      parts.push(m[0]);
      r.pos += m[0].length;
    }
    r.skipWs(false);
    if (r.peek() === '.') {
      r.pos++;
      continue;
    }
    return parts;
  }
}

function readString(r: Reader): string {
  const q = r.peek();
  const triple = r.text.startsWith(q.repeat(3), r.pos);
  r.pos += triple ? 3 : 1;
  if (triple && r.peek() === '\n') r.pos++;
  let out = '';
  for (;;) {
    if (r.eof()) throw new Error('unterminated string');
    if (triple ? r.text.startsWith(q.repeat(3), r.pos) : r.peek() === q) {
      r.pos += triple ? 3 : 1;
      return out;
    }
    const c = r.text[r.pos++]!;
    if (c === '\\' && q === '"') {
      const e = r.text[r.pos++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
      if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        out += String.fromCodePoint(parseInt(r.text.slice(r.pos, r.pos + len), 16));
        r.pos += len;
      } else if (e === '\n' || e === '\r') {
        r.skipWs(true);
      }
    } else out += c;
  }
}

function readValue(r: Reader): TomlValue {
  r.skipWs(false);
  const c = r.peek();
  if (c === '"' || c === "'") return readString(r);
  if (c === '[') {
    r.pos++;
    const list: TomlValue[] = [];
    for (;;) {
      r.skipWs(true);
      if (r.peek() === ']') {
        r.pos++;
        return list;
      }
      list.push(readValue(r));
      r.skipWs(true);
      if (r.peek() === ',') r.pos++;
    }
  }
  if (c === '{') {
    r.pos++;
    const table: TomlTable = {};
    for (;;) {
      r.skipWs(false);
      if (r.peek() === '}') {
        r.pos++;
        return table;
      }
      const key = readKey(r);
      if (r.peek() !== '=') throw new Error('expected =');
      r.pos++;
      setPath(table, key, readValue(r));
      r.skipWs(false);
      if (r.peek() === ',') r.pos++;
    }
  }
  const m = /^[^\s,\]}#]+/.exec(r.text.slice(r.pos));
  if (!m) throw new Error('bad value');
  r.pos += m[0].length;
  const word = m[0];
  if (word === 'true') return true;
  if (word === 'false') return false;
  const n = Number(word.replace(/_/g, ''));
  return Number.isNaN(n) ? word : n;
}

function setPath(table: TomlTable, path: string[], value: TomlValue): void {
  let t = table;
  for (const part of path.slice(0, -1)) {
    const next = t[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) t[part] = {};
    t = t[part] as TomlTable;
  }
  t[path[path.length - 1]!] = value;
}

function tableAt(root: TomlTable, path: string[], arrayItem: boolean): TomlTable {
  let t = root;
  path.forEach((part, i) => {
    const last = i === path.length - 1;
    if (last && arrayItem) {
      const list = Array.isArray(t[part]) ? (t[part] as TomlValue[]) : (t[part] = []);
      const item: TomlTable = {};
      list.push(item);
      t = item;
      return;
    }
    let next = t[part];
    if (Array.isArray(next)) next = next[next.length - 1];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      next = {};
      t[part] = next;
    }
    t = next as TomlTable;
  });
  return t;
}

/** Parses TOML leniently: a line it cannot read is skipped. */
export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current = root;
  const r = new Reader(text);
  while (!r.eof()) {
    r.skipWs(true);
    if (r.eof()) break;
    const start = r.pos;
    try {
      if (r.peek() === '[') {
        const arrayItem = r.text.startsWith('[[', r.pos);
        r.pos += arrayItem ? 2 : 1;
        const key = readKey(r);
        r.pos += arrayItem ? 2 : 1;
        current = tableAt(root, key, arrayItem);
      } else {
        const key = readKey(r);
        if (r.peek() !== '=') throw new Error('expected =');
        r.pos++;
        setPath(current, key, readValue(r));
      }
    } catch {
      r.pos = start;
    }
    r.skipLine();
  }
  return root;
}

export function getPath(table: TomlTable | undefined, ...path: string[]): TomlValue | undefined {
  let v: TomlValue | undefined = table;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = v[p];
  }
  return v;
}
