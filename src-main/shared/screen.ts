// The Boot console's display: what it shows in place of the VGA text rows, and the "Screen"
// frames (the VM's display as pixels) that travel through the contract. A frame is a changed
// rectangle of a WIDTHxHEIGHT screen, RGB, 3 bytes a pixel, rows top to bottom; the first frame
// of a run (and any frame after a size change) covers the whole screen. Pure code with no
// Node or DOM: the service folds frames into the session's picture with it, the renderer
// paints them with it, and both check them with `checkScreenFrame` first.

/**
 * What the Boot console shows for a run:
 * - `vga-text`: the VGA text buffer at 0xB8000 as rows of text (BIOS, a text-mode kernel);
 * - `screen`: the display as pixels (a framebuffer: `vga_320x200`, a 0.11 kernel's VBE or GOP);
 * - `no-vga-text`: nothing to mirror: UEFI has no VGA text buffer and the kernel draws no pixels.
 */
export type ConsoleDisplay = 'vga-text' | 'screen' | 'no-vga-text';

/** The largest screen Bootlab shows (VBE modes the loaders pick stay within 1280x800). */
export const SCREEN_MAX_WIDTH = 2560;
export const SCREEN_MAX_HEIGHT = 1600;
export const SCREEN_BYTES_PER_PIXEL = 3;

/** A changed rectangle of the screen: `base64` holds w*h RGB pixels. */
export interface ScreenFrame {
  width: number;
  height: number;
  x: number;
  y: number;
  w: number;
  h: number;
  base64: string;
}

/** The whole screen as the service keeps it (AppState's session). */
export interface ScreenPicture {
  width: number;
  height: number;
  /** width*height RGB pixels, base64. */
  base64: string;
}

/** A picture being painted: the same, with its bytes. */
export interface ScreenPixels {
  width: number;
  height: number;
  rgb: Uint8Array;
}

export class ScreenFrameError extends Error {}

function isSize(n: unknown, max: number): n is number {
  return Number.isSafeInteger(n) && (n as number) >= 1 && (n as number) <= max;
}

/** Base64 text decodes to exactly this many bytes (padding included), without decoding it. */
function base64Length(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * Checks a frame that arrived over a transport: sizes within the caps, the rectangle inside the
 * screen, the pixel data exactly w*h*3 bytes of base64. Throws a ScreenFrameError naming the
 * first field that is wrong.
 */
export function checkScreenFrame(value: unknown): ScreenFrame {
  if (typeof value !== 'object' || value === null) throw new ScreenFrameError('screen frame: not an object');
  const f = value as Record<string, unknown>;
  if (!isSize(f.width, SCREEN_MAX_WIDTH)) throw new ScreenFrameError(`screen frame: width must be 1..${SCREEN_MAX_WIDTH}, got ${String(f.width)}`);
  if (!isSize(f.height, SCREEN_MAX_HEIGHT)) throw new ScreenFrameError(`screen frame: height must be 1..${SCREEN_MAX_HEIGHT}, got ${String(f.height)}`);
  const width = f.width;
  const height = f.height;
  for (const [key, limit] of [['x', width - 1], ['y', height - 1]] as const) {
    const n = f[key];
    if (!Number.isSafeInteger(n) || (n as number) < 0 || (n as number) > limit) throw new ScreenFrameError(`screen frame: ${key} must be 0..${limit}, got ${String(n)}`);
  }
  const x = f.x as number;
  const y = f.y as number;
  if (!isSize(f.w, width - x)) throw new ScreenFrameError(`screen frame: w must be 1..${width - x} (the rectangle ends inside the ${width}-pixel-wide screen), got ${String(f.w)}`);
  if (!isSize(f.h, height - y)) throw new ScreenFrameError(`screen frame: h must be 1..${height - y} (the rectangle ends inside the ${height}-pixel-high screen), got ${String(f.h)}`);
  const w = f.w;
  const h = f.h;
  const base64 = f.base64;
  const bytes = w * h * SCREEN_BYTES_PER_PIXEL;
  if (typeof base64 !== 'string' || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64Length(base64) !== bytes) {
    throw new ScreenFrameError(`screen frame: base64 must hold ${bytes} bytes (${w}x${h} RGB pixels)`);
  }
  return { width, height, x, y, w, h, base64 };
}

/**
 * Paints a checked frame (`rgb`: its decoded pixels) onto `picture` and returns the picture:
 * the same object when the size stays, a new black one of the frame's size when it changes.
 */
export function applyScreenFrame(picture: ScreenPixels | undefined, frame: ScreenFrame, rgb: Uint8Array): ScreenPixels {
  const target = picture && picture.width === frame.width && picture.height === frame.height ? picture : { width: frame.width, height: frame.height, rgb: new Uint8Array(frame.width * frame.height * SCREEN_BYTES_PER_PIXEL) };
  const row = frame.w * SCREEN_BYTES_PER_PIXEL;
  for (let r = 0; r < frame.h; r++) {
    const from = r * row;
    target.rgb.set(rgb.subarray(from, from + row), ((frame.y + r) * frame.width + frame.x) * SCREEN_BYTES_PER_PIXEL);
  }
  return target;
}

/** The smallest rectangle holding every pixel that differs between two same-sized pictures; undefined when none does. */
export function changedRectangle(before: ScreenPixels, after: ScreenPixels): { x: number; y: number; w: number; h: number } | undefined {
  if (before.width !== after.width || before.height !== after.height) return { x: 0, y: 0, w: after.width, h: after.height };
  const { width, height } = after;
  const stride = width * SCREEN_BYTES_PER_PIXEL;
  const a = before.rgb;
  const b = after.rgb;
  const rowDiffers = (y: number) => {
    for (let i = y * stride, end = i + stride; i < end; i++) if (a[i] !== b[i]) return true;
    return false;
  };
  let top = 0;
  while (top < height && !rowDiffers(top)) top++;
  if (top === height) return undefined;
  let bottom = height - 1;
  while (bottom > top && !rowDiffers(bottom)) bottom--;
  let left = width;
  let right = -1;
  for (let y = top; y <= bottom; y++) {
    const base = y * stride;
    for (let x = 0; x < left; x++) {
      const i = base + x * 3;
      if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) {
        left = x;
        break;
      }
    }
    for (let x = width - 1; x > right; x--) {
      const i = base + x * 3;
      if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) {
        right = x;
        break;
      }
    }
  }
  return { x: left, y: top, w: right - left + 1, h: bottom - top + 1 };
}

/** The pixels of a rectangle of a picture, row after row. */
export function cropPixels(picture: ScreenPixels, rect: { x: number; y: number; w: number; h: number }): Uint8Array {
  const row = rect.w * SCREEN_BYTES_PER_PIXEL;
  const out = new Uint8Array(row * rect.h);
  for (let r = 0; r < rect.h; r++) {
    const from = ((rect.y + r) * picture.width + rect.x) * SCREEN_BYTES_PER_PIXEL;
    out.set(picture.rgb.subarray(from, from + row), r * row);
  }
  return out;
}
