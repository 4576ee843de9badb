// Where the bin format puts its sections, in the order and by the rules of NASM 2.16.01's outbin
// (bin_cleanup, steps 1 to 4), so that every label gets NASM's address:
//   1. nobits sections are set apart (their start=/align=/follows= mean vstart=/valign=/vfollows=);
//   2. progbits sections are reordered: each `follows=` group (the section and those declared
//      after it without start= or follows= of their own) moves behind the section it follows, then
//      groups led by a start= section are sorted by that address (the first group stays first);
//   3. in that order each progbits section without start= begins at the end of the last one laid
//      out, aligned (4 unless align= or sectalign says otherwise); the first one at the origin;
//   4. vstart: vstart=, else vfollows= (the named section's virtual end), else for progbits the
//      start; a nobits section follows the section declared just before it (.bss: the last
//      progbits section), repeated until every vstart is known.
// NASM's errors here (fatal in NASM) come back as messages; the caller reports them.

export interface LayoutSection {
  name: string;
  nobits: boolean;
  size: number;
  align: number;
  explicitAlign: boolean;
  follows?: string;
  vfollows?: string;
  fixedStart?: bigint;
  fixedVstart?: bigint;
  start: bigint;
  vstart: bigint;
}

const alignUp = (v: bigint, a: number): bigint => {
  const A = BigInt(a);
  return ((v + A - 1n) / A) * A;
};
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** One of NASM's layout errors, with the section whose attributes it is about. */
export interface LayoutError {
  section: string;
  message: string;
}

/** Lays out `sections` (in the order they were declared, `.text` first); returns NASM's errors (none when it could). */
export function layoutBin(sections: LayoutSection[], origin: bigint, originSet: boolean): LayoutError[] {
  // Step 1.
  const progbits = sections.filter((s, i) => i === 0 || !s.nobits);
  const nobits = sections.filter((s, i) => i > 0 && s.nobits);
  const vfollowsOf = new Map<LayoutSection, string | undefined>();
  for (const s of sections) vfollowsOf.set(s, s.nobits && s !== sections[0] ? (s.vfollows ?? s.follows) : s.vfollows);

  // Step 2: follows groups behind their sections...
  let order = progbits.slice();
  const error = relinkFollowsGroups(order);
  if (error) return [error];
  // ...then start= groups sorted by address.
  const sorted: LayoutSection[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i + 1;
    while (j < order.length && order[j].fixedStart === undefined) j++;
    const key = u64(order[i].fixedStart ?? 0n);
    let at = sorted.findIndex((s) => s.fixedStart !== undefined && key < u64(s.fixedStart));
    if (at < 0) at = sorted.length;
    sorted.splice(at, 0, ...order.slice(i, j));
    i = j;
  }
  order = sorted;

  // Step 3.
  const known = new Set<LayoutSection>();
  const first = order[0];
  first.start = first.fixedStart ?? (originSet && first.explicitAlign ? alignUp(origin, first.align) : origin);
  let pend = first.start;
  for (const g of order) {
    if (g !== first) g.start = g.fixedStart ?? alignUp(pend, g.align);
    if (g.fixedVstart !== undefined) {
      g.vstart = g.fixedVstart;
      known.add(g);
    } else if (vfollowsOf.get(g) === undefined) {
      g.vstart = g.start;
      known.add(g);
    }
    if (g.start < pend) continue;
    pend = g.start + BigInt(g.size);
  }

  // Step 4.
  const all = [...order, ...nobits];
  const lastProgbits = order[order.length - 1];
  for (const s of nobits) {
    if (s.fixedVstart === undefined && s.fixedStart !== undefined) s.fixedVstart = s.fixedStart;
    if (s.fixedVstart !== undefined) {
      s.vstart = s.start = s.fixedVstart;
      known.add(s);
    }
  }
  for (let progress = true; progress; ) {
    progress = false;
    for (const g of all) {
      if (known.has(g)) continue;
      const vf = vfollowsOf.get(g);
      let s: LayoutSection | undefined;
      if (vf !== undefined) {
        s = all.find((x) => x.name === vf);
        if (!s) return [{ section: g.name, message: `section ${g.name} vfollows unknown section (${vf})` }];
      } else if (g.name === '.bss') s = lastProgbits;
      else s = sections[sections.indexOf(g) - 1];
      if (!s || !known.has(s)) continue;
      g.vstart = alignUp(s.vstart + BigInt(s.size), g.align);
      if (g.nobits) g.start = g.vstart;
      known.add(g);
      progress = true;
    }
  }
  const stuck = all.filter((s) => !known.has(s));
  if (stuck.length === 0) return [];
  return [...stuck.map((s) => ({ section: s.name, message: `cannot compute vstart for section ${s.name}` })), { section: stuck[0].name, message: 'circular vfollows path detected' }];
}

/** Step 2's first half on `order` (progbits in declaration order), in place; NASM's fatal error, if any. */
function relinkFollowsGroups(order: LayoutSection[]): LayoutError | undefined {
  const leads = (i: number): boolean => i < order.length && order[i].follows !== undefined && order[i].follows !== order[i - 1]?.name;
  let gi = 0;
  // Each move puts a group where it stays; the bound only stops a cycle NASM would loop on.
  for (let moves = 0; gi < order.length && moves <= order.length * order.length; moves++) {
    if (order[gi].follows === undefined) {
      while (gi + 1 < order.length && !leads(gi + 1)) gi++;
      if (gi + 1 >= order.length) return undefined;
      gi++;
    }
    const g = order[gi];
    const si = order.findIndex((x) => x.name === g.follows);
    if (si < 0) return { section: g.name, message: `section ${g.name} follows an invalid or unknown section (${g.follows})` };
    if (si === gi) return { section: g.name, message: `section ${g.name} is self following` };
    const after = order[si + 1];
    if (after && after.follows === order[si].name) return { section: g.name, message: `sections ${g.name} and ${after.name} can't both follow section ${order[si].name}` };
    // The group: g and the sections after it up to the followed one, a start= one or the next group's leader.
    let ge = gi + 1;
    while (ge < order.length && ge !== si && order[ge].fixedStart === undefined) {
      if (leads(ge + 1)) {
        ge++;
        break;
      }
      ge++;
    }
    const next = order[ge];
    const group = order.splice(gi, ge - gi);
    order.splice((si > gi ? si - group.length : si) + 1, 0, ...group);
    if (next === undefined) return undefined;
    gi = order.indexOf(next);
  }
  return undefined;
}
