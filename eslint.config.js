import tseslint from 'typescript-eslint';

const noModuleMocking = {
  selector: "CallExpression[callee.property.name='mock'][callee.object.name='vi']",
  message: 'No module mocking: pass dependencies in.',
};

/** Imports no package source may make: apps, and other packages' files by path instead of by name. */
const packageBoundaries = [
  { group: ['@platform/server', '@platform/server/*', '@platform/cli', '@platform/cli/*'], message: 'Packages never import apps.' },
  { regex: '^(\\.\\./)+(apps/)?[^./][^/]*/src/', message: 'Import another package by its name (@platform/…), not by a path into its files.' },
];

/** A driver family's members are siblings: each may use the family's kit, never another member. */
const siblingDrivers = (family, kit, message) => [
  ...packageBoundaries,
  { group: [`@platform/${family}-*`, `!@platform/${kit}`], message },
];

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'buildpacks/**', 'test/fixtures/**', 'test/corpus/**', 'docs/sample-app/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', noModuleMocking],
    },
  },
  {
    // A newcomer follows a push or a config change without reading a closure longer than this (issue 13).
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 150, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Packages take options objects; only apps read the environment (apps/server/src/config.ts).
    files: ['packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        noModuleMocking,
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Packages never read process.env: take the value as an option (the app reads the environment once).',
        },
      ],
      'no-restricted-imports': ['error', { patterns: packageBoundaries }],
    },
  },
  {
    files: ['packages/runtime-*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: siblingDrivers('runtime', 'runtime-kit', 'Runtime drivers never import each other: share through @platform/runtime-kit.') }],
    },
  },
  {
    files: ['packages/builder-*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: siblingDrivers('builder', 'builder-kit', 'Builders never import each other: share through @platform/builder-kit.') }],
    },
  },
  {
    files: ['packages/router-*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: siblingDrivers('router', 'router-kit', 'Router drivers never import each other: share through @platform/router-kit.') }],
    },
  },
  {
    files: ['packages/addon-*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: siblingDrivers('addon', 'addon-kit', 'Add-on providers never import each other: share through @platform/addon-kit.') }],
    },
  },
);
