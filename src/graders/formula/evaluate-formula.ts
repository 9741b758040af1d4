/**
 * Evaluates a parsed `calculate_output` formula against the sub-graders' scores. Every way to get a
 * meaningless number — division by zero, an unknown variable, `sqrt` of a negative, `log` of a
 * non-positive, overflow, NaN — is an error returned as data, never a NaN reward.
 *
 * Recursive over the tree: `parseFormula` bounds nesting (FORMULA_MAX_DEPTH) and length
 * (FORMULA_MAX_LENGTH), so the deepest tree it can build — a left-leaning `a+a+…` chain — is about
 * 2,000 levels, well inside the call stack.
 */
import type { FormulaBinaryOperator, FormulaFunctionName, FormulaNode } from './formula-ast.ts';

export type EvaluateFormulaResult = { ok: true; value: number } | { ok: false; message: string };

/** Internal control flow only: thrown while walking the tree, caught in `evaluateFormula`. */
class FormulaEvaluationError extends Error {}

function fail(message: string): never {
  throw new FormulaEvaluationError(`${message} in calculate_output`);
}

export function evaluateFormula(ast: FormulaNode, values: Readonly<Record<string, number>>): EvaluateFormulaResult {
  try {
    const value = evaluate(ast, values);
    return { ok: true, value: value === 0 ? 0 : value }; // no -0 in a reward
  } catch (error) {
    if (error instanceof FormulaEvaluationError) return { ok: false, message: error.message };
    throw error;
  }
}

function evaluate(node: FormulaNode, values: Readonly<Record<string, number>>): number {
  switch (node.kind) {
    case 'number':
      return finite(node.value, 'number literal');
    case 'variable': {
      if (!Object.hasOwn(values, node.name)) fail(`unknown variable '${node.name}'`);
      const value = values[node.name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        fail(`variable '${node.name}' is not a finite number`);
      }
      return value;
    }
    case 'unary': {
      const operand = evaluate(node.operand, values);
      return node.operator === '-' ? -operand : operand;
    }
    case 'binary':
      return evaluateBinary(node.operator, evaluate(node.left, values), evaluate(node.right, values));
    case 'call':
      return evaluateCall(node.name, node.args.map((arg) => evaluate(arg, values)));
  }
}

function evaluateBinary(operator: FormulaBinaryOperator, left: number, right: number): number {
  switch (operator) {
    case '+':
      return finite(left + right, "'+'");
    case '-':
      return finite(left - right, "'-'");
    case '*':
      return finite(left * right, "'*'");
    case '/':
      if (right === 0) fail('division by zero');
      return finite(left / right, "'/'");
    case '^':
      if (left === 0 && right < 0) fail('division by zero (0 raised to a negative power)');
      if (left < 0 && !Number.isInteger(right)) fail('negative number raised to a fractional power');
      return finite(Math.pow(left, right), "'^'");
  }
}

function evaluateCall(name: FormulaFunctionName, args: readonly number[]): number {
  const [first] = args;
  // parseFormula checks arity; a hand-built tree may not have.
  if (first === undefined) fail(`${name}() called without arguments`);
  switch (name) {
    case 'min':
      return Math.min(...args);
    case 'max':
      return Math.max(...args);
    case 'abs':
      return Math.abs(first);
    case 'floor':
      return Math.floor(first);
    case 'ceil':
      return Math.ceil(first);
    case 'exp':
      return finite(Math.exp(first), 'exp()');
    case 'sqrt':
      if (first < 0) fail('sqrt of a negative number');
      return Math.sqrt(first);
    case 'log':
      if (first <= 0) fail('log of a non-positive number');
      return finite(Math.log(first), 'log()');
  }
}

function finite(value: number, what: string): number {
  if (!Number.isFinite(value)) fail(`${what} gave a result that is not a finite number`);
  return value;
}
