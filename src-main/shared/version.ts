// Replaced at bundle time from package.json; the fallback serves tests that run the sources.
declare const __BOOTLAB_VERSION__: string | undefined;
export const VERSION: string = typeof __BOOTLAB_VERSION__ === 'string' ? __BOOTLAB_VERSION__ : '0.0.0-dev';
