import { describe, expect, it } from 'vitest';
import { CP437, COLUMNS, ROWS, SCREEN_BYTES, blankScreen, decodeAttribute, decodeScreen, decodeScreenBase64 } from './vga.js';

function screenWith(text: string, attribute = 0x0a, row = 0): Uint8Array {
  const bytes = new Uint8Array(SCREEN_BYTES);
  for (let i = 0; i < SCREEN_BYTES; i += 2) {
    bytes[i] = 0x20;
    bytes[i + 1] = 0x07;
  }
  for (let i = 0; i < text.length; i++) {
    bytes[(row * COLUMNS + i) * 2] = text.charCodeAt(i);
    bytes[(row * COLUMNS + i) * 2 + 1] = attribute;
  }
  return bytes;
}

describe('CP437', () => {
  it('has 256 entries with ASCII in place and the box-drawing range', () => {
    expect(CP437).toHaveLength(256);
    expect(CP437[0x41]).toBe('A');
    expect(CP437[0x7e]).toBe('~');
    expect(CP437[0x01]).toBe('☺');
    expect(CP437[0xb0]).toBe('░');
    expect(CP437[0xc9]).toBe('╔');
    expect(CP437[0xdb]).toBe('█');
    expect(CP437[0xe1]).toBe('ß');
    expect(CP437[0xfe]).toBe('■');
    expect(CP437[0x00]).toBe(' ');
  });
});

describe('decodeScreen', () => {
  it('gives 25 rows of 80 characters', () => {
    const screen = decodeScreen(screenWith('Hello from the Bootlab sample kernel!'));
    expect(screen.rows).toHaveLength(ROWS);
    expect(screen.text).toHaveLength(ROWS);
    for (const line of screen.text) expect(Array.from(line)).toHaveLength(COLUMNS);
    expect(screen.text[0].trimEnd()).toBe('Hello from the Bootlab sample kernel!');
  });

  it('merges cells with the same colours into runs and splits at colour changes', () => {
    const bytes = screenWith('AB', 0x1f);
    const screen = decodeScreen(bytes);
    expect(screen.rows[0][0]).toEqual({ text: 'AB', fg: 15, bg: 1, blink: false, cursor: false });
    expect(screen.rows[0][1].fg).toBe(7);
    expect(screen.rows[0][1].text).toHaveLength(78);
    expect(screen.rows[1]).toHaveLength(1);
  });

  it('decodes blink and marks the cursor cell as its own run', () => {
    expect(decodeAttribute(0x8c)).toEqual({ fg: 12, bg: 0, blink: true });
    expect(decodeAttribute(0x4e)).toEqual({ fg: 14, bg: 4, blink: false });
    const screen = decodeScreen(screenWith('abc', 0x07), { row: 0, col: 1 });
    expect(screen.rows[0].map((r) => r.text.slice(0, 3))).toEqual(['a', 'b', 'c  ']);
    expect(screen.rows[0][1].cursor).toBe(true);
  });

  it('maps bytes through CP437 and reads base64', () => {
    const bytes = screenWith('\xc9\xcd\xbb', 0x07);
    const b64 = btoa(String.fromCharCode(...bytes));
    expect(decodeScreenBase64(b64).text[0].slice(0, 3)).toBe('╔═╗');
  });

  it('is blank by default and tolerates short snapshots', () => {
    expect(blankScreen().text.every((l) => l.trim() === '')).toBe(true);
    expect(decodeScreen(new Uint8Array(10)).rows).toHaveLength(ROWS);
  });
});
