import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'buildpacks/**', 'test/fixtures/**', 'docs/sample-app/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='mock'][callee.object.name='vi']",
          message: 'No module mocking: pass dependencies in.',
        },
      ],
    },
  },
);
