import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Two projects: Node for src-main (services really spawn cargo and QEMU), jsdom for renderer models and light components.
export default defineConfig({
  test: {
    reporters: ['default', './scripts/slowest-tests-reporter.ts'],
    projects: [
      {
        test: {
          name: 'main',
          environment: 'node',
          include: ['src-main/**/*.test.ts', 'scripts/**/*.test.ts'],
          // The cold cargo builds happen once, here, before any test (see the file).
          globalSetup: ['scripts/test-warmup.ts'],
          // Hang guards, not speed limits: generous enough for a loaded 2-core machine.
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
      {
        plugins: [svelte(), svelteTesting()],
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['src-renderer/**/*.test.ts'],
        },
      },
    ],
  },
});
