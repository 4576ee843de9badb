// The Screen's model: the VM's display as pixels, painted from the `screen` events' rectangles
// (each checked against the contract's caps first) or from a session snapshot's whole picture.
// The pixels are plain bytes (no deep reactivity); `version` is what the view watches.
import { applyScreenFrame, checkScreenFrame, ScreenFrameError, SCREEN_BYTES_PER_PIXEL, type ScreenFrame, type ScreenPicture, type ScreenPixels } from '../../../src-main/shared/screen.js';
import { base64ToBytes } from './format.js';

export class ScreenModel {
  /** Bumped on every change of the pixels. */
  version = $state(0);
  width = $state(0);
  height = $state(0);
  #picture: ScreenPixels | undefined;

  get picture(): ScreenPixels | undefined {
    return this.#picture;
  }

  /** Paints one frame; a frame that breaks the contract is refused with a message naming what is wrong. */
  apply(frame: ScreenFrame): void {
    const checked = checkScreenFrame(frame);
    this.#set(applyScreenFrame(this.#picture, checked, base64ToBytes(checked.base64)));
  }

  /** The whole picture of a session snapshot. */
  load(picture: ScreenPicture | undefined): void {
    if (!picture) return this.clear();
    const frame = { width: picture.width, height: picture.height, x: 0, y: 0, w: picture.width, h: picture.height, base64: picture.base64 };
    this.#set(applyScreenFrame(undefined, checkScreenFrame(frame), base64ToBytes(picture.base64)));
  }

  clear(): void {
    this.#picture = undefined;
    this.width = 0;
    this.height = 0;
    this.version++;
  }

  #set(picture: ScreenPixels): void {
    this.#picture = picture;
    this.width = picture.width;
    this.height = picture.height;
    this.version++;
  }
}

export { ScreenFrameError };

/** RGB pixels as the RGBA bytes a canvas's ImageData holds (opaque). */
export function rgbToRgba(rgb: Uint8Array, out: Uint8ClampedArray<ArrayBuffer> = new Uint8ClampedArray((rgb.length / SCREEN_BYTES_PER_PIXEL) * 4)): Uint8ClampedArray<ArrayBuffer> {
  for (let i = 0, o = 0; i < rgb.length; i += 3, o += 4) {
    out[o] = rgb[i]!;
    out[o + 1] = rgb[i + 1]!;
    out[o + 2] = rgb[i + 2]!;
    out[o + 3] = 255;
  }
  return out;
}
