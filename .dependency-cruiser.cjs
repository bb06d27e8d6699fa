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
      from: { path: '^src/modules/([^/]+)/', pathNot: ['\\.test\\.ts$', '\\.dto\\.ts$'] },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'contract-through-contract',
      comment: "A DTO file (the HTTP contract, which the web imports) reaches another module only through that module's DTO files, never its index.ts: the contract must not drag server code into the browser bundle.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/[^/]+\\.dto\\.ts$' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/[^/]+\\.dto\\.ts$'] },
    },
    {
      name: 'module-tests-through-index',
      comment: 'A test next to a module reaches another module through its index.ts, or reads its tables (*.schema.ts) to assert on rows.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/.+\\.test\\.ts$' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$', '^src/modules/[^/]+/[^/]+\\.schema\\.ts$'] },
    },
    {
      name: 'tables-have-one-owner',
      comment:
        'A module\'s tables (*.schema.ts) are read and written by that module only; others call its narrow readers on their own transaction. Tests may read them to assert on rows.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/modules/[^/]+/[^/]+\\.schema\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'tables-have-one-owner-outside-modules',
      comment: 'Integrations, the composition root, the CLI and the bench reach a module\'s tables only through its readers.',
      severity: 'error',
      from: { pathNot: ['^src/modules/', '\\.test\\.ts$', '^test/'] },
      to: { path: '^src/modules/[^/]+/[^/]+\\.schema\\.ts$' },
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
