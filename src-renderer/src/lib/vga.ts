// The VGA text screen: 80x25 cells of (CP437 character, attribute) at physical 0xB8000. This
// turns the 4000-byte snapshot into rows of runs (cells with the same colours), which the
// view renders as real DOM text, one element per row.
import { base64ToBytes } from './format.js';

export const COLUMNS = 80;
export const ROWS = 25;
export const SCREEN_BYTES = COLUMNS * ROWS * 2;

/** Code page 437 as Unicode, index = byte. 0x00 shows as a space, 0xFF as a no-break space. */
export const CP437: readonly string[] = Array.from(
  ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼' +
    ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂' +
    'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0',
);

/** A run of cells in one row with the same colours. */
export interface VgaRun {
  text: string;
  fg: number;
  bg: number;
  blink: boolean;
  cursor: boolean;
}

export interface VgaScreen {
  rows: VgaRun[][];
  /** Plain text of each row (for search, copy and tests). */
  text: string[];
}

export function decodeAttribute(attribute: number): { fg: number; bg: number; blink: boolean } {
  // Bit 7 is blink (the BIOS default), so the background has 8 colours.
  return { fg: attribute & 0x0f, bg: (attribute >> 4) & 0x07, blink: (attribute & 0x80) !== 0 };
}

export function decodeScreen(bytes: Uint8Array, cursor?: { row: number; col: number }): VgaScreen {
  const rows: VgaRun[][] = [];
  const text: string[] = [];
  for (let r = 0; r < ROWS; r++) {
    const runs: VgaRun[] = [];
    let line = '';
    let current: VgaRun | undefined;
    for (let c = 0; c < COLUMNS; c++) {
      const offset = (r * COLUMNS + c) * 2;
      const ch = CP437[bytes[offset] ?? 0];
      const { fg, bg, blink } = decodeAttribute(bytes[offset + 1] ?? 0x07);
      const isCursor = cursor !== undefined && cursor.row === r && cursor.col === c;
      line += ch;
      if (current && !isCursor && !current.cursor && current.fg === fg && current.bg === bg && current.blink === blink) {
        current.text += ch;
      } else {
        current = { text: ch, fg, bg, blink, cursor: isCursor };
        runs.push(current);
      }
    }
    rows.push(runs);
    text.push(line);
  }
  return { rows, text };
}

export function blankScreen(): VgaScreen {
  const bytes = new Uint8Array(SCREEN_BYTES);
  for (let i = 1; i < SCREEN_BYTES; i += 2) bytes[i] = 0x07;
  return decodeScreen(bytes);
}

export function decodeScreenBase64(base64: string, cursor?: { row: number; col: number }): VgaScreen {
  return decodeScreen(base64ToBytes(base64), cursor);
}
