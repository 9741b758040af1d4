import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateFormula, type EvaluateFormulaResult } from './evaluate-formula.ts';
import {
  FORMULA_FUNCTIONS,
  type FormulaBinaryOperator,
  type FormulaFunctionName,
  type FormulaNode,
} from './formula-ast.ts';
import { parseFormula } from './parse-formula.ts';
import { seededRandom as rng } from '../../../test/support/seeded-random.ts';

function run(text: string, values: Record<string, number> = {}): EvaluateFormulaResult {
  const parsed = parseFormula(text);
  if (!parsed.ok) assert.fail(`expected '${text}' to parse, got: ${parsed.message}`);
  return evaluateFormula(parsed.ast, values);
}

function value(text: string, values: Record<string, number> = {}): number {
  const result = run(text, values);
  if (!result.ok) assert.fail(`expected '${text}' to evaluate, got: ${result.message}`);
  return result.value;
}

function errorOf(text: string, values: Record<string, number> = {}): string {
  const result = run(text, values);
  if (result.ok) assert.fail(`expected '${text}' to fail, got ${result.value}`);
  return result.message;
}

describe('evaluateFormula: arithmetic', () => {
  const cases: [string, number][] = [
    ['1+2*3', 7],
    ['(1+2)*3', 9],
    ['2*3^2', 18],
    ['2^3^2', 512],
    ['(2^3)^2', 64],
    ['8/4/2', 1],
    ['10-4-3', 3],
    ['-2^2', -4],
    ['(-2)^2', 4],
    ['--2', 2],
    ['-(2)', -2],
    ['+3', 3],
    ['2*-3', -6],
    ['2^-1', 0.5],
    ['-2*3', -6],
    ['1 - -2', 3],
    ['7/2', 3.5],
    ['.5 + 1e-3', 0.501],
    ['0^0', 1],
    ['(-8)^(1/1)', -8],
    ['(-2)^3', -8],
    ['4^0.5', 2],
  ];
  for (const [text, expected] of cases) {
    it(`${text} = ${expected}`, () => assert.equal(value(text), expected));
  }
});

describe('evaluateFormula: functions', () => {
  const cases: [string, number][] = [
    ['min(3)', 3],
    ['min(3, 1, 2)', 1],
    ['max(3, 1, 2)', 3],
    ['min(5, 4, 3, 2, 1, 0, -1, 9, 8)', -1],
    ['max(-5, -4, -3)', -3],
    ['abs(-3.5)', 3.5],
    ['abs(2)', 2],
    ['floor(-1.5)', -2],
    ['floor(1.9)', 1],
    ['ceil(1.2)', 2],
    ['ceil(-1.2)', -1],
    ['sqrt(16)', 4],
    ['sqrt(0)', 0],
    ['exp(0)', 1],
    ['log(1)', 0],
    ['log(exp(1))', 1],
    ['exp(log(5))', 5],
    ['max(min(1, 2), min(3, 4))', 3],
    ['abs(floor(-2.5)) + ceil(sqrt(10))', 7],
    ['-abs(-2)^2', -4],
  ];
  for (const [text, expected] of cases) {
    it(`${text} = ${expected}`, () => assert.ok(Math.abs(value(text) - expected) < 1e-12, `${value(text)}`));
  }

  it('log is the natural logarithm', () => {
    assert.equal(value('log(x)', { x: Math.E ** 2 }), 2);
    assert.equal(value('log(10)'), Math.LN10);
  });
});

describe('evaluateFormula: variables', () => {
  it('reads the sub-graders\' scores by name', () => {
    const values = { similarity: 0.8, string_check: 1 };
    assert.equal(value('0.5 * similarity + 0.5 * string_check', values), 0.9);
    assert.equal(value('min(similarity, string_check)', values), 0.8);
    assert.equal(value('similarity ^ 2', values), 0.8 ** 2);
  });

  it('a variable named like a function is still a variable', () => {
    assert.equal(value('min(min, 1)', { min: 0.25 }), 0.25);
  });

  it('ignores extra values the formula does not use', () => {
    assert.equal(value('a', { a: 1, b: 2 }), 1);
  });
});

describe('evaluateFormula: errors, never NaN', () => {
  const cases: [string, Record<string, number>, string][] = [
    ['1/0', {}, 'division by zero in calculate_output'],
    ['0/0', {}, 'division by zero in calculate_output'],
    ['a/b', { a: 1, b: 0 }, 'division by zero in calculate_output'],
    ['1/(a-a)', { a: 0.3 }, 'division by zero in calculate_output'],
    ['1/-0', {}, 'division by zero in calculate_output'],
    ['0^-1', {}, 'division by zero (0 raised to a negative power) in calculate_output'],
    ['a^b', { a: 0, b: -0.5 }, 'division by zero (0 raised to a negative power) in calculate_output'],
    ['(-8)^(1/3)', {}, 'negative number raised to a fractional power in calculate_output'],
    ['missing + 1', {}, "unknown variable 'missing' in calculate_output"],
    ['a + b', { a: 1 }, "unknown variable 'b' in calculate_output"],
    ['toString', {}, "unknown variable 'toString' in calculate_output"],
    ['a', { a: Number.NaN }, "variable 'a' is not a finite number in calculate_output"],
    ['a', { a: Number.POSITIVE_INFINITY }, "variable 'a' is not a finite number in calculate_output"],
    ['sqrt(-1)', {}, 'sqrt of a negative number in calculate_output'],
    ['sqrt(a)', { a: -1e-9 }, 'sqrt of a negative number in calculate_output'],
    ['log(0)', {}, 'log of a non-positive number in calculate_output'],
    ['log(-1)', {}, 'log of a non-positive number in calculate_output'],
    ['exp(1000)', {}, 'exp() gave a result that is not a finite number in calculate_output'],
    ['10^400', {}, "'^' gave a result that is not a finite number in calculate_output"],
    ['1e308 * 10', {}, "'*' gave a result that is not a finite number in calculate_output"],
    ['1e308 + 1e308', {}, "'+' gave a result that is not a finite number in calculate_output"],
    ['-1e308 - 1e308', {}, "'-' gave a result that is not a finite number in calculate_output"],
    ['1e308 / 1e-10', {}, "'/' gave a result that is not a finite number in calculate_output"],
    // an infinite intermediate is an error even when min/max would hide it
    ['min(exp(1000), 1)', {}, 'exp() gave a result that is not a finite number in calculate_output'],
  ];
  for (const [text, values, message] of cases) {
    const shown = Object.entries(values).map(([k, v]) => `${k}=${v}`).join(' ');
    it(`${text} [${shown}] → ${message}`, () => assert.equal(errorOf(text, values), message));
  }

  it('never returns -0', () => {
    for (const text of ['-0', '0 * -1', 'ceil(-0.5)', '-a']) {
      const result = value(text, { a: 0 });
      assert.ok(Object.is(result, 0), `${text} gave ${result}`);
    }
  });

  it('guards hand-built trees too', () => {
    const noArgs: FormulaNode = { kind: 'call', name: 'max', args: [], position: 0 };
    assert.deepEqual(evaluateFormula(noArgs, {}), {
      ok: false,
      message: 'max() called without arguments in calculate_output',
    });
    const infinite: FormulaNode = { kind: 'number', value: Number.POSITIVE_INFINITY, position: 0 };
    assert.equal(evaluateFormula(infinite, {}).ok, false);
  });

  it('evaluates the longest flat chain the length limit allows', () => {
    const chain = `a${'+a'.repeat(2000)}`;
    assert.equal(value(chain, { a: 1 }), 2001);
  });
});

// ---------------------------------------------------------------------------------------------
// Property checks: random trees → printed → parsed → evaluated, compared with the tree itself.

const VARIABLES = ['a', 'b', 'c', 'x_1', 'min'];
const LITERALS = [0, 1, 2, 3, 0.5, 2.5, 10, 0.001, 0.25, 7, 1e-7, 123.456];
const BINARY: FormulaBinaryOperator[] = ['+', '-', '*', '/', '^'];
const FUNCTIONS = Object.keys(FORMULA_FUNCTIONS) as FormulaFunctionName[];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomTree(random: () => number, depth: number): FormulaNode {
  const leaf = depth <= 0 || random() < 0.25;
  if (leaf) {
    return random() < 0.5
      ? { kind: 'variable', name: pick(random, VARIABLES), position: 0 }
      : { kind: 'number', value: random() < 0.5 ? pick(random, LITERALS) : Math.floor(random() * 20), position: 0 };
  }
  const roll = random();
  if (roll < 0.15) {
    return { kind: 'unary', operator: random() < 0.8 ? '-' : '+', operand: randomTree(random, depth - 1), position: 0 };
  }
  if (roll < 0.75) {
    return {
      kind: 'binary',
      operator: pick(random, BINARY),
      left: randomTree(random, depth - 1),
      right: randomTree(random, depth - 1),
      position: 0,
    };
  }
  const name = pick(random, FUNCTIONS);
  const count = name === 'min' || name === 'max' ? 1 + Math.floor(random() * 4) : 1;
  const args = Array.from({ length: count }, () => randomTree(random, depth - 1));
  return { kind: 'call', name, args, position: 0 };
}

/** Every compound node in parentheses; random whitespace between tokens. */
function printFull(node: FormulaNode, space: () => string): string {
  const s = space;
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'variable':
      return node.name;
    case 'unary':
      return `(${s()}${node.operator}${s()}${printFull(node.operand, s)}${s()})`;
    case 'binary':
      return `(${printFull(node.left, s)}${s()}${node.operator}${s()}${printFull(node.right, s)})`;
    case 'call':
      return `${node.name}${s()}(${node.args.map((arg) => s() + printFull(arg, s) + s()).join(',')})`;
  }
}

/** Binding strength: 1 sum, 2 product, 3 unary, 4 power, 5 primary. */
function strength(node: FormulaNode): number {
  switch (node.kind) {
    case 'number':
    case 'variable':
    case 'call':
      return 5;
    case 'unary':
      return 3;
    case 'binary':
      return node.operator === '^' ? 4 : node.operator === '*' || node.operator === '/' ? 2 : 1;
  }
}

/** Only the parentheses precedence and associativity require. */
function printMinimal(node: FormulaNode): string {
  const wrap = (child: FormulaNode, needed: number) =>
    strength(child) >= needed ? printMinimal(child) : `(${printMinimal(child)})`;
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'variable':
      return node.name;
    case 'unary':
      return `${node.operator}${wrap(node.operand, 3)}`;
    case 'binary': {
      const [left, right] =
        node.operator === '^' ? [5, 3] : node.operator === '*' || node.operator === '/' ? [2, 3] : [1, 2];
      // a space on each side keeps `1 - -2` readable; the lexer has no `--` token anyway
      return `${wrap(node.left, left)} ${node.operator} ${wrap(node.right, right)}`;
    }
    case 'call':
      return `${node.name}(${node.args.map(printMinimal).join(', ')})`;
  }
}

function withoutPositions(node: FormulaNode): unknown {
  switch (node.kind) {
    case 'number':
      return { n: node.value };
    case 'variable':
      return { v: node.name };
    case 'unary':
      return { u: node.operator, x: withoutPositions(node.operand) };
    case 'binary':
      return { b: node.operator, l: withoutPositions(node.left), r: withoutPositions(node.right) };
    case 'call':
      return { f: node.name, a: node.args.map(withoutPositions) };
  }
}

/**
 * Reference semantics from IEEE arithmetic: compute naively with `**` and Math.*, and call the
 * result an error iff some intermediate is NaN or ±Infinity (every domain error — x/0, sqrt(-1),
 * log(0), 0^-1, (-8)^(1/3), overflow — shows up that way).
 */
function reference(node: FormulaNode, values: Record<string, number>): number | 'error' {
  let broken = false;
  const walk = (n: FormulaNode): number => {
    const result = ((): number => {
      switch (n.kind) {
        case 'number':
          return n.value;
        case 'variable':
          return values[n.name] ?? Number.NaN;
        case 'unary':
          return n.operator === '-' ? -walk(n.operand) : walk(n.operand);
        case 'binary': {
          const l = walk(n.left);
          const r = walk(n.right);
          const results = { '+': l + r, '-': l - r, '*': l * r, '/': l / r, '^': l ** r };
          return results[n.operator];
        }
        case 'call': {
          const args = n.args.map(walk);
          const x = args[0] ?? Number.NaN;
          const functions: Record<FormulaFunctionName, () => number> = {
            min: () => Math.min(...args),
            max: () => Math.max(...args),
            abs: () => Math.abs(x),
            floor: () => Math.floor(x),
            ceil: () => Math.ceil(x),
            exp: () => Math.exp(x),
            sqrt: () => Math.sqrt(x),
            log: () => Math.log(x),
          };
          return functions[n.name]();
        }
      }
    })();
    if (!Number.isFinite(result)) broken = true;
    return result;
  };
  const result = walk(node);
  return broken ? 'error' : result === 0 ? 0 : result;
}

describe('evaluateFormula: property checks against the tree', () => {
  const CASES = 600;
  const VALUE_POOL = [-2, -0.5, 0, 0.5, 1, 2, 3.7, 0.123];

  it(`${CASES} random formulas: fully parenthesized and minimally parenthesized prints agree with the tree`, () => {
    const random = rng(20250611);
    const space = () => pick(random, ['', '', ' ', '  ', '\t', '\n']);
    let ok = 0;
    let errors = 0;
    for (let i = 0; i < CASES; i += 1) {
      const tree = randomTree(random, 1 + Math.floor(random() * 5));
      const values = Object.fromEntries(VARIABLES.map((name) => [name, pick(random, VALUE_POOL)]));
      const expected = reference(tree, values);
      for (const text of [printFull(tree, space), printMinimal(tree)]) {
        const parsed = parseFormula(text);
        if (!parsed.ok) assert.fail(`case ${i}: '${text}' did not parse: ${parsed.message}`);
        const message = `case ${i}: '${text}' parsed differently`;
        assert.deepEqual(withoutPositions(parsed.ast), withoutPositions(tree), message);
        const result = evaluateFormula(parsed.ast, values);
        const actual = result.ok ? result.value : 'error';
        assert.ok(
          Object.is(actual, expected),
          `case ${i}: '${text}' with ${JSON.stringify(values)} gave ${actual}, expected ${expected}`,
        );
      }
      if (expected === 'error') errors += 1;
      else ok += 1;
    }
    // the generator must exercise both outcomes, or the comparison proves little
    assert.ok(ok > CASES / 4, `only ${ok} formulas evaluated`);
    assert.ok(errors > CASES / 20, `only ${errors} formulas errored`);
  });

  it('the variables set is exactly the names in the tree', () => {
    const random = rng(7);
    for (let i = 0; i < 200; i += 1) {
      const tree = randomTree(random, 4);
      const names = new Set<string>();
      const collect = (n: FormulaNode): void => {
        if (n.kind === 'variable') names.add(n.name);
        if (n.kind === 'unary') collect(n.operand);
        if (n.kind === 'binary') [n.left, n.right].forEach(collect);
        if (n.kind === 'call') n.args.forEach(collect);
      };
      collect(tree);
      const parsed = parseFormula(printMinimal(tree));
      assert.ok(parsed.ok);
      assert.deepEqual([...parsed.variables].sort(), [...names].sort());
    }
  });
});
