import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: false,
    include: ['functions/**/*.test.ts', 'local/**/*.test.ts', 'cli/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 900_000,
    // Real Kafka and MinIO are shared by the suites; two cores do not gain from running the heavy files at once.
    fileParallelism: false,
    coverage: {
      provider: 'v8',
      include: ['functions/**/*.ts', 'local/**/*.ts', 'cli/**/*.ts'],
      exclude: ['**/*.test.ts', 'local/cli.ts', 'local/infra/cli.ts', 'local/build/bundle-functions.ts', 'cli/main.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 80 },
    },
  },
});
