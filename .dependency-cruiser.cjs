/**
 * The walls between layers and modules (docs/ARCHITECTURE.md, "Layers"). `npm run check:boundaries`
 * runs this; `npm test` runs it first, so a deep import turns CI red.
 */
module.exports = {
  forbidden: [
    {
      name: 'module-through-index',
      comment: 'A module is reached only through its index.ts; its other files are its own business.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'platform-is-the-bottom',
      comment: 'The kernel imports nothing above it.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(modules|integrations|app|cli|web)/' },
    },
    {
      name: 'modules-below-integrations',
      comment: 'Domain modules never see an integration, the composition root or the CLI.',
      severity: 'error',
      // Tests next to the code may boot the whole app (the composition root) to test through it.
      from: { path: '^src/modules/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(integrations|app|cli)/' },
    },
    {
      name: 'integrations-below-app',
      comment: 'Integrations never import the composition root or the CLI.',
      severity: 'error',
      from: { path: '^src/integrations/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(app|cli)/' },
    },
    {
      name: 'src-never-imports-tests',
      comment: 'Test fixtures live in test/; shipped code never depends on them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'no-bench-in-src',
      comment: 'Bench-only tooling lives in bench/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^bench/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
