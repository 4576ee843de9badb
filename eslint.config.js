// Lint, and the layering of ../shared/DESIGN.md as rules: an import that points the wrong way
// fails `npm run lint`. Each layer lists what it may NOT import (the table's complement).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const NODE_BUILTINS = [
  'node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'url',
  'util', 'stream', 'events', 'worker_threads', 'process', 'buffer', 'zlib', 'readline', 'tty', 'module',
];
const builtins = (message) => ({ group: NODE_BUILTINS, message });
const electron = { group: ['electron', 'electron/*'], message: 'Only src-main/electron may import electron.' };
const layer = (names, message) => ({ group: names.map((n) => `**/${n}/*`), message });

/** What each folder may not import, from DESIGN.md's table. */
export const LAYER_RULES = {
  'src-main/shared/**': [builtins('shared is plain data and validators: no Node built-ins.'), electron,
    layer(['asm', 'elf', 'image', 'services', 'web', 'cli', 'electron', 'src-renderer'], 'shared imports nothing else.')],
  'src-main/asm/**': [builtins('asm must run in a browser or worker: take a readFile callback instead.'), electron,
    layer(['shared', 'elf', 'image', 'services', 'web', 'cli', 'electron', 'src-renderer'], 'asm imports nothing else.')],
  'src-main/elf/**': [builtins('elf works on bytes: no Node built-ins.'), electron,
    layer(['shared', 'asm', 'image', 'services', 'web', 'cli', 'electron', 'src-renderer'], 'elf imports nothing else.')],
  'src-main/image/**': [builtins('image works on bytes: no Node built-ins (services do the I/O).'), electron,
    layer(['services', 'web', 'cli', 'electron', 'src-renderer'], 'image may import only asm, elf and shared.')],
  'src-main/services/**': [electron,
    layer(['web', 'cli', 'electron', 'src-renderer'], 'services may import only asm, elf, image, shared and Node.')],
  'src-main/web/**': [electron,
    layer(['asm', 'elf', 'image', 'cli', 'electron', 'src-renderer'], 'web may import only services, shared and Node.')],
  'src-main/cli/**': [electron, layer(['electron', 'src-renderer'], 'the CLI never loads Electron or the renderer.')],
  'src-main/electron/**': [
    layer(['asm', 'elf', 'image', 'web', 'cli', 'src-renderer'], 'electron may import only services, shared, Node and electron.')],
  'src-renderer/**': [builtins('The renderer talks only to src/lib/api.ts: no Node built-ins.'), electron,
    layer(['asm', 'elf', 'image', 'services', 'web', 'cli', 'electron'], 'The renderer may import only src-main/shared.')],
};

export default tseslint.config(
  { ignores: ['out/**', 'release/**', 'node_modules/**', '**/target/**', 'test-results/**', 'playwright-report/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off',
    },
  },
  {
    files: ['src-renderer/**/*.svelte', 'src-renderer/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] }, globals: { ...globals.browser } },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  ...Object.entries(LAYER_RULES).map(([folder, patterns]) => ({
    files: [`${folder}/*.ts`, `${folder}/*.svelte`, folder.replace('/**', '/**/*.ts'), folder.replace('/**', '/**/*.svelte')],
    // Tests and build configs may reach for the real thing (nasm as an oracle, fs for temp files);
    // the layer rule guards shipped code.
    ignores: ['**/*.test.ts', '**/*.test-helper.ts', 'src-renderer/vite.config.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
);
