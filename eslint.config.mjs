// ESLint flat config: typescript-eslint's recommended rules over the library,
// tests, sample and benchmarks; browser globals for the sample's page scripts.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test/docs/.generated/**', '.stryker-tmp/**', 'reports/**'],
  },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Request and response objects differ per HTTP platform (Express, Fastify); `any` is the honest type there.
      '@typescript-eslint/no-explicit-any': 'off',
      // `_name` marks a parameter kept for its position or a value kept for a type-level check.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Optional peers are loaded with require() only when used, so apps without them still start.
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          allow: [
            '^@nestjs/swagger$',
            '^@opentelemetry/api$',
            '^ioredis$',
            '^mmdb-lib$',
            '^pg$',
            '^sharp$',
            '^@simplewebauthn/server$',
          ],
        },
      ],
    },
  },
  {
    // Plugins come in through one door: the kernel, HTTP edge, auth, risk and stores only via `lib/plugin`.
    files: ['lib/plugins/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(kernel|http|auth|risk|stores|decorators)(/|$)',
              message: "Import it from the plugin entry ('../../plugin'); add it there if a plugin truly needs it.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['sample/public/**/*.js', 'client/**/*.mts'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
