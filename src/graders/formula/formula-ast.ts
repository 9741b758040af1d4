/**
 * The syntax tree of a multi grader's `calculate_output` formula (architecture §6). Produced by
 * `parseFormula`, consumed by `evaluateFormula`. `position` is the 0-based offset (UTF-16 index)
 * of the node's first character — for operators, of the operator itself — in the formula text.
 */

export type FormulaBinaryOperator = '+' | '-' | '*' | '/' | '^';
export type FormulaUnaryOperator = '+' | '-';

export type FormulaNode =
  | { readonly kind: 'number'; readonly value: number; readonly position: number }
  | { readonly kind: 'variable'; readonly name: string; readonly position: number }
  | {
      readonly kind: 'unary';
      readonly operator: FormulaUnaryOperator;
      readonly operand: FormulaNode;
      readonly position: number;
    }
  | {
      readonly kind: 'binary';
      readonly operator: FormulaBinaryOperator;
      readonly left: FormulaNode;
      readonly right: FormulaNode;
      readonly position: number;
    }
  | {
      readonly kind: 'call';
      readonly name: FormulaFunctionName;
      readonly args: readonly FormulaNode[];
      readonly position: number;
    };

/** The functions a formula may call, with how many arguments each takes. `log` is the natural log. */
export const FORMULA_FUNCTIONS = {
  min: { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY },
  max: { minArgs: 1, maxArgs: Number.POSITIVE_INFINITY },
  abs: { minArgs: 1, maxArgs: 1 },
  floor: { minArgs: 1, maxArgs: 1 },
  ceil: { minArgs: 1, maxArgs: 1 },
  exp: { minArgs: 1, maxArgs: 1 },
  sqrt: { minArgs: 1, maxArgs: 1 },
  log: { minArgs: 1, maxArgs: 1 },
} as const satisfies Record<string, { minArgs: number; maxArgs: number }>;

export type FormulaFunctionName = keyof typeof FORMULA_FUNCTIONS;

export function isFormulaFunctionName(name: string): name is FormulaFunctionName {
  return Object.hasOwn(FORMULA_FUNCTIONS, name);
}

/** What a variable (a key of the `graders` map) must look like to be usable in a formula. */
export const FORMULA_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isFormulaIdentifier(name: string): boolean {
  return FORMULA_IDENTIFIER.test(name);
}
