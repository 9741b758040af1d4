import type { StringCheckGraderConfig } from '../domain/grader-config.ts';
import { compileTemplate } from '../templates/render-template.ts';
import { templateVariables, type Grader, type GradeOutcome } from './grader.ts';

type Operation = StringCheckGraderConfig['operation'];

/**
 * `like`/`ilike` are plain containment (architecture §6): `%`, `_` and regex characters are literal.
 * `ilike` folds with `toLowerCase()`, which matches Python's `str.lower()` (full mappings such as
 * 'İ' → 'i̇', final sigma). The only divergence found comparing every code point against
 * Python 3.11 is characters newer than Python's Unicode database (e.g. U+A7CB, Unicode 16), which
 * the JS runtime may fold while that Python leaves them unchanged.
 */
function compare(operation: Operation, input: string, reference: string): boolean {
  switch (operation) {
    case 'eq':
      return input === reference;
    case 'ne':
      return input !== reference;
    case 'like':
      return input.includes(reference);
    case 'ilike':
      return input.toLowerCase().includes(reference.toLowerCase());
  }
}

export function createStringCheckGrader(config: StringCheckGraderConfig): Grader {
  // Compiled once per grader, not per row.
  const renderInput = compileTemplate(config.input);
  const renderReference = compileTemplate(config.reference);
  const { operation } = config;
  return {
    type: 'string_check',
    async grade({ item, sample }): Promise<GradeOutcome> {
      const ctx = { item, sample };
      const input = renderInput(ctx);
      const reference = renderReference(ctx);
      const passed = compare(operation, input.text, reference.text);
      return {
        score: passed ? 1 : 0,
        passed,
        sample: null,
        // A missing path renders empty and the row is still graded; only the flag records it.
        error: null,
        ...templateVariables(input.missing, reference.missing),
      };
    },
  };
}
