// The bootlab:// handler against a real folder: only the renderer's files, right MIME types,
// the CSP as a header, nothing outside the folder however the path is spelled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_SCHEME_PRIVILEGES, APP_URL, createAppProtocolHandler } from './scheme.js';
import { CSP } from './window.js';

let parent: string;
let handler: (request: Request) => Promise<Response>;

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'bootlab-scheme-'));
  const renderer = join(parent, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Bootlab</title>');
  writeFileSync(join(renderer, 'assets', 'index-abc.js'), 'export const x = 1;');
  writeFileSync(join(renderer, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(renderer, 'assets', 'font.woff2'), 'w');
  writeFileSync(join(renderer, 'assets', 'blob.bin'), 'b');
  writeFileSync(join(parent, 'secret.txt'), 'secret');
  mkdirSync(join(parent, 'renderer-other'));
  writeFileSync(join(parent, 'renderer-other', 'x.js'), 'secret');
  handler = createAppProtocolHandler(renderer);
});

afterAll(() => rmSync(parent, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

describe('the bootlab:// scheme handler', () => {
  it('serves the page and its assets with their MIME types and the CSP header', async () => {
    for (const url of [APP_URL, 'bootlab://app/', 'bootlab://app']) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toContain('<title>Bootlab</title>');
    }
    const page = await get(APP_URL);
    expect(page.headers.get('content-security-policy')).toBe(CSP);
    expect(CSP).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');

    const types: Record<string, string> = {
      'assets/index-abc.js': 'text/javascript; charset=utf-8',
      'assets/index-abc.css': 'text/css; charset=utf-8',
      'assets/font.woff2': 'font/woff2',
      'assets/blob.bin': 'application/octet-stream',
    };
    for (const [path, type] of Object.entries(types)) {
      const res = await get(`bootlab://app/${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('content-security-policy'), path).toBe(CSP);
    }
    expect(await (await get('bootlab://app/assets/index-abc.js?v=1#x')).text()).toBe('export const x = 1;');
  });

  it('never serves a file outside the renderer folder', async () => {
    const attempts = [
      'bootlab://app/../secret.txt',
      'bootlab://app/%2e%2e/secret.txt',
      'bootlab://app/assets/..%2f..%2fsecret.txt',
      'bootlab://app/..%5csecret.txt',
      'bootlab://app/assets/%2e%2e%5c%2e%2e%5csecret.txt',
      'bootlab://app/%2e%2e/renderer-other/x.js',
      'bootlab://app/%2Fetc%2Fpasswd',
      'bootlab://app//etc/passwd',
      'bootlab://app/index.html%00.js',
      'bootlab://app/%E0%A4%A',
    ];
    for (const url of attempts) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('secret');
    }
  });

  it('answers only for its own host, only files, only GET and HEAD', async () => {
    expect((await get('bootlab://other/index.html')).status).toBe(404);
    expect((await get('bootlab://app.evil/index.html')).status).toBe(404);
    expect((await get('https://app/index.html')).status).toBe(404);
    expect((await get('bootlab://app/assets')).status).toBe(404);
    expect((await get('bootlab://app/assets/')).status).toBe(404);
    expect((await get('bootlab://app/missing.js')).status).toBe(404);
    expect((await get(APP_URL, 'POST')).status).toBe(405);
    const head = await get(APP_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    // Refusals carry the same CSP and nosniff headers.
    expect((await get('bootlab://app/missing.js')).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('is registered as a standard, secure scheme (a real origin, not file://)', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({ scheme: 'bootlab', privileges: expect.objectContaining({ standard: true, secure: true }) });
    expect(APP_SCHEME_PRIVILEGES.privileges).not.toHaveProperty('bypassCSP');
    expect(new URL(APP_URL).host).toBe('app');
  });
});
