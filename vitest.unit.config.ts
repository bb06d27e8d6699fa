import { defineConfig } from 'vitest/config';

/** Pure rules and kernel tests: no database, no server, seconds to run (`npm run test:unit`). */
export default defineConfig({
  test: {
    include: ['src/**/*.rules.test.ts', 'src/platform/**/*.test.ts', 'src/integrations/tiktok/{mapping,signing}.test.ts', 'src/modules/remedies/remedies.texts.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'src/web/**'],
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
