// Rust symbol demangling: legacy (`_ZN...17h<hash>E`) and v0 (`_R...`) manglings, enough to name
// the function a kernel faulted in. Hashes and crate disambiguators are left out, as
// `rustc-demangle`'s alternate format does. Unknown input comes back unchanged.

const LEGACY_ESCAPES: Record<string, string> = {
  SP: '@',
  BP: '*',
  RF: '&',
  LT: '<',
  GT: '>',
  LP: '(',
  RP: ')',
  C: ',',
};

function demangleLegacy(symbol: string): string | undefined {
  let s = symbol;
  if (s.startsWith('__ZN')) s = s.slice(1);
  if (!s.startsWith('_ZN')) return undefined;
  let i = 3;
  const parts: string[] = [];
  while (i < s.length && s[i] !== 'E') {
    const m = /^\d+/.exec(s.slice(i));
    if (!m) return undefined;
    const len = Number(m[0]);
    i += m[0].length;
    if (i + len > s.length) return undefined;
    parts.push(s.slice(i, i + len));
    i += len;
  }
  if (s[i] !== 'E') return undefined;
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1]!)) parts.pop();
  return parts.map(unescapeLegacy).join('::');
}

function unescapeLegacy(part: string): string {
  let p = part.startsWith('_$') ? part.slice(1) : part;
  p = p.replace(/\$([A-Za-z0-9]+)\$/g, (whole, code: string) => {
    if (LEGACY_ESCAPES[code] !== undefined) return LEGACY_ESCAPES[code]!;
    if (/^u[0-9a-f]+$/.test(code)) return String.fromCodePoint(parseInt(code.slice(1), 16));
    return whole;
  });
  return p.replace(/\.\./g, '::');
}

const BASIC_TYPES: Record<string, string> = {
  a: 'i8',
  b: 'bool',
  c: 'char',
  d: 'f64',
  e: 'str',
  f: 'f32',
  h: 'u8',
  i: 'isize',
  j: 'usize',
  l: 'i32',
  m: 'u32',
  n: 'i128',
  o: 'u128',
  s: 'i16',
  t: 'u16',
  u: '()',
  v: '...',
  x: 'i64',
  y: 'u64',
  z: '!',
  p: '_',
};

class V0Error extends Error {}

class V0 {
  private pos: number;
  private depth = 0;
  constructor(
    private readonly s: string,
    start: number,
    private readonly base: number,
  ) {
    this.pos = start;
  }

  private peek(): string {
    return this.s[this.pos] ?? '';
  }
  private next(): string {
    const c = this.s[this.pos];
    if (c === undefined) throw new V0Error('end');
    this.pos++;
    return c;
  }
  private eat(c: string): boolean {
    if (this.peek() === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  private base62(): number {
    if (this.eat('_')) return 0;
    let value = 0;
    for (;;) {
      const c = this.next();
      if (c === '_') return value + 1;
      const d = /[0-9]/.test(c) ? c.charCodeAt(0) - 48 : /[a-z]/.test(c) ? c.charCodeAt(0) - 87 : /[A-Z]/.test(c) ? c.charCodeAt(0) - 29 : -1;
      if (d < 0) throw new V0Error('base62');
      value = value * 62 + d;
    }
  }

  private optBase62(tag: string): number | undefined {
    return this.eat(tag) ? this.base62() + 1 : undefined;
  }

  private decimal(): number {
    const m = /^\d+/.exec(this.s.slice(this.pos));
    if (!m) throw new V0Error('decimal');
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private ident(): string {
    const punycode = this.eat('u');
    const len = this.decimal();
    this.eat('_');
    const raw = this.s.slice(this.pos, this.pos + len);
    if (raw.length !== len) throw new V0Error('ident');
    this.pos += len;
    return punycode ? `punycode{${raw}}` : raw;
  }

  private backref<T>(f: () => T): T {
    const target = this.base62();
    const saved = this.pos;
    this.pos = this.base + target;
    if (this.pos >= saved) throw new V0Error('backref');
    try {
      return f();
    } finally {
      this.pos = saved;
    }
  }

  path(): string {
    if (++this.depth > 200) throw new V0Error('depth');
    try {
      const tag = this.next();
      switch (tag) {
        case 'C': {
          this.optBase62('s');
          return this.ident();
        }
        case 'M': {
          this.optBase62('s');
          this.path();
          return `<${this.type()}>`;
        }
        case 'X': {
          this.optBase62('s');
          this.path();
          const t = this.type();
          return `<${t} as ${this.path()}>`;
        }
        case 'Y': {
          const t = this.type();
          return `<${t} as ${this.path()}>`;
        }
        case 'N': {
          const ns = this.next();
          const prefix = this.path();
          const dis = this.optBase62('s') ?? 0;
          const name = this.ident();
          if (/[A-Z]/.test(ns)) {
            const kind = ns === 'C' ? 'closure' : ns === 'S' ? 'shim' : ns;
            return `${prefix}::{${kind}${name ? `:${name}` : ''}#${dis}}`;
          }
          return name ? `${prefix}::${name}` : prefix;
        }
        case 'I': {
          const prefix = this.path();
          const args: string[] = [];
          while (!this.eat('E')) {
            const a = this.genericArg();
            if (a !== undefined) args.push(a);
          }
          return args.length ? `${prefix}<${args.join(', ')}>` : prefix;
        }
        case 'B':
          return this.backref(() => this.path());
        default:
          throw new V0Error(`path tag ${tag}`);
      }
    } finally {
      this.depth--;
    }
  }

  private genericArg(): string | undefined {
    if (this.eat('L')) {
      this.base62();
      return undefined;
    }
    if (this.eat('K')) return this.constant();
    return this.type();
  }

  private constant(): string {
    if (this.eat('p')) return '_';
    if (this.eat('B')) return this.backref(() => this.constant());
    const t = this.next();
    const neg = this.eat('n');
    let hex = '';
    while (this.peek() !== '_') hex += this.next();
    this.next();
    const value = hex ? BigInt(`0x${hex}`) : 0n;
    if (t === 'b') return value ? 'true' : 'false';
    if (t === 'c') return `'${String.fromCodePoint(Number(value))}'`;
    return `${neg ? '-' : ''}${value}`;
  }

  type(): string {
    if (++this.depth > 200) throw new V0Error('depth');
    try {
      const c = this.peek();
      if (BASIC_TYPES[c] !== undefined) {
        this.pos++;
        return BASIC_TYPES[c]!;
      }
      this.pos++;
      switch (c) {
        case 'A': {
          const t = this.type();
          return `[${t}; ${this.constant()}]`;
        }
        case 'S':
          return `[${this.type()}]`;
        case 'T': {
          const ts: string[] = [];
          while (!this.eat('E')) ts.push(this.type());
          return ts.length === 1 ? `(${ts[0]},)` : `(${ts.join(', ')})`;
        }
        case 'R':
        case 'Q': {
          if (this.eat('L')) this.base62();
          return `&${c === 'Q' ? 'mut ' : ''}${this.type()}`;
        }
        case 'P':
          return `*const ${this.type()}`;
        case 'O':
          return `*mut ${this.type()}`;
        case 'F': {
          this.optBase62('G');
          const unsafe = this.eat('U');
          let abi = '';
          if (this.eat('K')) abi = this.eat('C') ? 'extern "C" ' : `extern "${this.ident().replace(/_/g, '-')}" `;
          const params: string[] = [];
          while (!this.eat('E')) params.push(this.type());
          const ret = this.type();
          return `${unsafe ? 'unsafe ' : ''}${abi}fn(${params.join(', ')})${ret === '()' ? '' : ` -> ${ret}`}`;
        }
        case 'D': {
          this.optBase62('G');
          const traits: string[] = [];
          while (!this.eat('E')) {
            let t = this.path();
            const bindings: string[] = [];
            while (this.eat('p')) {
              const name = this.ident();
              bindings.push(`${name} = ${this.type()}`);
            }
            if (bindings.length) t = t.endsWith('>') ? `${t.slice(0, -1)}, ${bindings.join(', ')}>` : `${t}<${bindings.join(', ')}>`;
            traits.push(t);
          }
          if (this.eat('L')) this.base62();
          return `dyn ${traits.join(' + ')}`;
        }
        case 'B':
          return this.backref(() => this.type());
        default:
          this.pos--;
          return this.path();
      }
    } finally {
      this.depth--;
    }
  }
}

function demangleV0(symbol: string): string | undefined {
  let start = symbol.startsWith('_R') ? 2 : symbol.startsWith('__R') ? 3 : symbol.startsWith('R') ? 1 : -1;
  if (start < 0) return undefined;
  const s = symbol;
  // An optional encoding version (decimal) follows `_R`.
  while (/[0-9]/.test(s[start] ?? '')) start++;
  if (!/[A-Z]/.test(s[start] ?? '')) return undefined;
  try {
    return new V0(s, start, start).path();
  } catch {
    return undefined;
  }
}

/** Demangles a Rust symbol (legacy or v0); other names come back unchanged. */
export function demangle(symbol: string): string {
  // LLVM may append `.llvm.123` or `.cold` suffixes.
  const m = /^(.*?)((?:\.(?:llvm|cold|lto_priv)[.\w]*)?)$/.exec(symbol);
  const core = m?.[1] ?? symbol;
  const out = demangleLegacy(core) ?? (core.startsWith('_R') || core.startsWith('__R') ? demangleV0(core) : undefined);
  return out ?? symbol;
}
