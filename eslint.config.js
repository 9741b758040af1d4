// Lint for what the compiler cannot see: promises nobody awaits and unsafe any flows.
import tseslint from 'typescript-eslint';
import { importLayerBlocks } from './eslint/import-layers.mjs';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.proctor/**', '.scratch/**', '.bench/**', 'eslint.config.js', '**/*.mjs', 'bin/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off'
    }
  },
  // Which folder may import which (src/*/README.md "May import:", architecture §8).
  ...importLayerBlocks(),
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/config.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts reads process.env (architecture §8); take the value from Config.' }],
    },
  },
  {
    files: ['src/**/*.ts', 'src/**/*.tsx'],
    ignores: ['src/cli/**', 'src/logger.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='console']", message: 'Only src/cli/ prints (architecture §8); log through the Logger.' },
        { selector: "MemberExpression[object.name='process'][property.name=/^std(out|err)$/]", message: 'Only src/cli/ prints (architecture §8); log through the Logger.' },
      ],
    },
  }
);
