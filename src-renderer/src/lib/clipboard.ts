/** Puts `text` on the clipboard; the text when it worked, undefined when the clipboard is unavailable. */
export async function copyText(text: string): Promise<string | undefined> {
  try {
    await navigator.clipboard.writeText(text);
    return text;
  } catch {
    return undefined;
  }
}
