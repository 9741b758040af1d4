import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FormulaNode } from './formula-ast.ts';
import { FORMULA_FUNCTIONS, isFormulaIdentifier } from './formula-ast.ts';
import {
  FORMULA_MAX_DEPTH,
  FORMULA_MAX_LENGTH,
  checkFormulaVariables,
  parseFormula,
  type ParsedFormula,
} from './parse-formula.ts';

function parsed(text: string): ParsedFormula {
  const result = parseFormula(text);
  if (!result.ok) assert.fail(`expected '${text}' to parse, got: ${result.message}`);
  return result;
}

/** The tree as a fully parenthesized string, to assert structure without positions. */
function shape(node: FormulaNode): string {
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'variable':
      return node.name;
    case 'unary':
      return `(${node.operator}${shape(node.operand)})`;
    case 'binary':
      return `(${shape(node.left)} ${node.operator} ${shape(node.right)})`;
    case 'call':
      return `${node.name}(${node.args.map(shape).join(', ')})`;
  }
}

function shapeOf(text: string): string {
  return shape(parsed(text).ast);
}

function parseError(text: string): { message: string; position: number } {
  const result = parseFormula(text);
  if (result.ok) assert.fail(`expected '${text}' not to parse, got ${shape(result.ast)}`);
  return { message: result.message, position: result.position };
}

describe('parseFormula: numbers', () => {
  it('reads integers, decimals, leading-dot and exponent forms', () => {
    const cases: [string, number][] = [
      ['0', 0],
      ['42', 42],
      ['3.25', 3.25],
      ['1.', 1],
      ['.5', 0.5],
      ['1e3', 1000],
      ['1E3', 1000],
      ['1e-3', 0.001],
      ['2.5e+2', 250],
      ['.5e1', 5],
      ['007', 7],
    ];
    for (const [text, value] of cases) {
      const { ast } = parsed(text);
      assert.deepEqual(ast, { kind: 'number', value, position: 0 }, text);
    }
  });

  it('a minus sign before a number is a unary operator, not part of the literal', () => {
    assert.equal(shapeOf('-1'), '(-1)');
    assert.equal(shapeOf('1e-3-1'), '(0.001 - 1)');
  });
});

describe('parseFormula: precedence and associativity', () => {
  const cases: [string, string][] = [
    ['1+2*3', '(1 + (2 * 3))'],
    ['(1+2)*3', '((1 + 2) * 3)'],
    ['2*3^2', '(2 * (3 ^ 2))'],
    ['1-2/4', '(1 - (2 / 4))'],
    ['2^3^2', '(2 ^ (3 ^ 2))'],
    ['8/4/2', '((8 / 4) / 2)'],
    ['10-4-3', '((10 - 4) - 3)'],
    ['1+2-3+4', '(((1 + 2) - 3) + 4)'],
    ['2*3/4*5', '(((2 * 3) / 4) * 5)'],
    ['(2^3)^2', '((2 ^ 3) ^ 2)'],
    ['-2^2', '(-(2 ^ 2))'],
    ['--2', '(-(-2))'],
    ['-(2)', '(-2)'],
    ['+2', '(+2)'],
    ['-+-2', '(-(+(-2)))'],
    ['2*-3', '(2 * (-3))'],
    ['2^-1', '(2 ^ (-1))'],
    ['2^-2^2', '(2 ^ (-(2 ^ 2)))'],
    ['-2*3', '((-2) * 3)'],
    ['-a^b^c', '(-(a ^ (b ^ c)))'],
    ['1--2', '(1 - (-2))'],
    ['1 - - 2', '(1 - (-2))'],
    ['a*b+c*d', '((a * b) + (c * d))'],
    ['((((1))))', '1'],
  ];
  for (const [text, expected] of cases) {
    it(`${text} → ${expected}`, () => assert.equal(shapeOf(text), expected));
  }
});

describe('parseFormula: functions', () => {
  it('min and max take one or more arguments', () => {
    assert.equal(shapeOf('min(1)'), 'min(1)');
    assert.equal(shapeOf('max(a, b, c, 4, 5)'), 'max(a, b, c, 4, 5)');
    assert.equal(shapeOf('min(1+2, 3*4)'), 'min((1 + 2), (3 * 4))');
  });

  it('single-argument functions, nested', () => {
    assert.equal(shapeOf('log(exp(1))'), 'log(exp(1))');
    assert.equal(shapeOf('abs(floor(ceil(sqrt(x))))'), 'abs(floor(ceil(sqrt(x))))');
    assert.equal(shapeOf('max(min(a, b), abs(-c))'), 'max(min(a, b), abs((-c)))');
  });

  it('a call binds like a primary: -abs(x)^2 is -(abs(x)^2)', () => {
    assert.equal(shapeOf('-abs(x)^2'), '(-(abs(x) ^ 2))');
    assert.equal(shapeOf('2*max(1,2)'), '(2 * max(1, 2))');
  });

  it('a function name without parentheses is a variable (grader keys may be called "min")', () => {
    const result = parsed('min + min(min, 1)');
    assert.equal(shape(result.ast), '(min + min(min, 1))');
    assert.deepEqual([...result.variables], ['min']);
  });

  it('whitespace may separate a function name from its parenthesis', () => {
    assert.equal(shapeOf('abs (x)'), 'abs(x)');
  });

  it('knows exactly the functions of architecture §6', () => {
    assert.deepEqual(Object.keys(FORMULA_FUNCTIONS).sort(), [
      'abs',
      'ceil',
      'exp',
      'floor',
      'log',
      'max',
      'min',
      'sqrt',
    ]);
  });
});

describe('parseFormula: variables and whitespace', () => {
  it('collects the variables it uses', () => {
    const result = parsed('0.5 * similarity + 0.5 * string_check - min(similarity, _x1)');
    assert.deepEqual([...result.variables].sort(), ['_x1', 'similarity', 'string_check']);
  });

  it('a formula without variables has an empty set', () => {
    assert.equal(parsed('1 + 2').variables.size, 0);
  });

  it('records positions of variables and operators', () => {
    const { ast } = parsed('  a +\tb');
    assert.deepEqual(ast, {
      kind: 'binary',
      operator: '+',
      left: { kind: 'variable', name: 'a', position: 2 },
      right: { kind: 'variable', name: 'b', position: 6 },
      position: 4,
    });
  });

  it('accepts whitespace anywhere between tokens: spaces, tabs, newlines', () => {
    assert.equal(shapeOf(' \n( 1 +\t2 )\r\n*  max ( a ,b ) '), '((1 + 2) * max(a, b))');
  });

  it('identifiers are ASCII letters, digits and underscores, not starting with a digit', () => {
    assert.equal(isFormulaIdentifier('similarity'), true);
    assert.equal(isFormulaIdentifier('string_check_2'), true);
    assert.equal(isFormulaIdentifier('_'), true);
    assert.equal(isFormulaIdentifier('2fast'), false);
    assert.equal(isFormulaIdentifier('my-grader'), false);
    assert.equal(isFormulaIdentifier('my grader'), false);
    assert.equal(isFormulaIdentifier(''), false);
    assert.equal(isFormulaIdentifier('é'), false);
  });
});

describe('parseFormula: errors', () => {
  const cases: [string, string, number][] = [
    ['', 'formula is empty', 0],
    [' \t\n', 'formula is empty', 0],
    ['1 +', "unexpected end of formula at position 3; expected a number, a name or '('", 3],
    ['-', "unexpected end of formula at position 1; expected a number, a name or '('", 1],
    ['*2', "unexpected '*' at position 0; expected a number, a name or '('", 0],
    ['1 + * 2', "unexpected '*' at position 4; expected a number, a name or '('", 4],
    ['2 ^ ^ 3', "unexpected '^' at position 4; expected a number, a name or '('", 4],
    ['()', "unexpected ')' at position 1; expected a number, a name or '('", 1],
    [',', "unexpected ',' at position 0; expected a number, a name or '('", 0],
    ['(1 + 2', "missing ')' at position 6 to close the '(' at position 0", 6],
    ['((1)', "missing ')' at position 4 to close the '(' at position 0", 4],
    ['(1 2)', "unexpected number '2' at position 3; expected ')' to close the '(' at position 0", 3],
    ['1 + 2)', "unmatched ')' at position 5", 5],
    ['(1))', "unmatched ')' at position 3", 3],
    ['1 2', "unexpected number '2' at position 2; expected an operator or the end of the formula", 2],
    ['a b', "unexpected name 'b' at position 2; expected an operator or the end of the formula", 2],
    ['1 (2)', "unexpected '(' at position 2; expected an operator or the end of the formula", 2],
    ['1, 2', "unexpected ',' at position 1; expected an operator or the end of the formula", 1],
    ['2 ^ 3 ^', "unexpected end of formula at position 7; expected a number, a name or '('", 7],
    ['foo(1)', "unknown function 'foo' at position 0 (known: min, max, abs, floor, ceil, exp, sqrt, log)", 0],
    ['1 + Min(1)', "unknown function 'Min' at position 4 (known: min, max, abs, floor, ceil, exp, sqrt, log)", 4],
    ['min()', 'min() at position 0 takes at least 1 argument, got 0', 0],
    ['2 * max( )', 'max() at position 4 takes at least 1 argument, got 0', 4],
    ['abs()', 'abs() at position 0 takes exactly 1 argument, got 0', 0],
    ['abs(1, 2)', 'abs() at position 0 takes exactly 1 argument, got 2', 0],
    ['log(1,2,3)', 'log() at position 0 takes exactly 1 argument, got 3', 0],
    ['min(1,)', "unexpected ')' at position 6; expected a number, a name or '('", 6],
    ['min(,1)', "unexpected ',' at position 4; expected a number, a name or '('", 4],
    ['sqrt(4', "missing ')' at position 6 to close the argument list of sqrt() at position 4", 6],
    ['max(1 2)', "unexpected number '2' at position 6; expected ')' to close the argument list of max() at position 3", 6],
    ['1.2.3', "malformed number '1.2.3' at position 0", 0],
    ['1 + 1..2', "malformed number '1..2' at position 4", 4],
    ['2x', "malformed number '2x' at position 0", 0],
    ['1e', "malformed number '1e' at position 0", 0],
    ['1e+', "malformed number '1e' at position 0", 0],
    ['3 * 1e999', "number '1e999' is too large at position 4", 4],
    ['1 @ 2', "unexpected character '@' at position 2", 2],
    ['a % b', "unexpected character '%' at position 2", 2],
    ['2 ** 3', "unexpected '*' at position 3; expected a number, a name or '('", 3],
    ['x == 1', "unexpected character '=' at position 2", 2],
    ['similarité', "unexpected character 'é' at position 9", 9],
    ['a + 😀', "unexpected character '😀' at position 4", 4],
  ];
  for (const [text, message, position] of cases) {
    it(`${JSON.stringify(text)} → ${message}`, () => {
      assert.deepEqual(parseError(text), { message, position });
    });
  }

  it('a grader key with a hyphen is not one identifier: my-grader is my - grader', () => {
    assert.equal(shapeOf('my-grader'), '(my - grader)');
  });

  it(`rejects formulas longer than ${FORMULA_MAX_LENGTH} characters`, () => {
    const atLimit = `1${'+1'.repeat((FORMULA_MAX_LENGTH - 1) / 2)}`.padEnd(FORMULA_MAX_LENGTH, ' ');
    assert.equal(atLimit.length, FORMULA_MAX_LENGTH);
    assert.equal(parseFormula(atLimit).ok, true);
    assert.deepEqual(parseError(`${atLimit} `), {
      message: `formula is longer than ${FORMULA_MAX_LENGTH} characters`,
      position: FORMULA_MAX_LENGTH,
    });
  });

  it(`allows ${FORMULA_MAX_DEPTH} levels of nesting and rejects one more`, () => {
    const parens = (n: number) => `${'('.repeat(n)}1${')'.repeat(n)}`;
    assert.equal(shapeOf(parens(FORMULA_MAX_DEPTH)), '1');
    assert.deepEqual(parseError(parens(FORMULA_MAX_DEPTH + 1)), {
      message: `formula is nested too deeply at position ${FORMULA_MAX_DEPTH} (limit ${FORMULA_MAX_DEPTH} levels)`,
      position: FORMULA_MAX_DEPTH,
    });
  });

  it('counts unary operators, exponents and calls as nesting too', () => {
    const deep = FORMULA_MAX_DEPTH + 1;
    assert.equal(parseFormula(`${'-'.repeat(FORMULA_MAX_DEPTH)}1`).ok, true);
    assert.equal(parseError(`${'-'.repeat(deep)}1`).position, FORMULA_MAX_DEPTH);
    assert.equal(parseFormula(Array(FORMULA_MAX_DEPTH + 1).fill('2').join('^')).ok, true);
    assert.match(parseError(Array(deep + 1).fill('2').join('^')).message, /nested too deeply/);
    assert.equal(parseFormula(`${'abs('.repeat(FORMULA_MAX_DEPTH)}1${')'.repeat(FORMULA_MAX_DEPTH)}`).ok, true);
    assert.match(parseError(`${'abs('.repeat(deep)}1${')'.repeat(deep)}`).message, /nested too deeply/);
  });

  it('a long flat chain is fine: it is bounded by the length limit, not the depth limit', () => {
    const chain = Array(1000).fill('a').join(' + ');
    const result = parsed(chain);
    assert.deepEqual([...result.variables], ['a']);
  });

  it('never throws, even on hostile input', () => {
    for (const text of ['(((((', ')))))', '^^^^', '\u0000', '1'.repeat(5000), '('.repeat(4000), `${'('.repeat(10000)}`]) {
      const result = parseFormula(text);
      assert.equal(typeof result.ok, 'boolean');
    }
  });
});

describe('checkFormulaVariables', () => {
  it('accepts formulas that use only the graders map keys (or none at all)', () => {
    assert.deepEqual(checkFormulaVariables(parsed('a + b'), ['a', 'b', 'c']), { ok: true });
    assert.deepEqual(checkFormulaVariables(parsed('1'), []), { ok: true });
    assert.deepEqual(checkFormulaVariables(parsed('a'), new Set(['a'])), { ok: true });
  });

  it('reports the first unknown variable in the text with its position, and lists all of them', () => {
    const result = checkFormulaVariables(parsed('a + zed * min(why, a, zed)'), ['b', 'a']);
    assert.deepEqual(result, {
      ok: false,
      message: "unknown variable 'zed' at position 4 (known: a, b)",
      position: 4,
      unknown: ['why', 'zed'],
    });
  });

  it('finds the leftmost occurrence even deep on the right of the tree', () => {
    const result = checkFormulaVariables(parsed('1 + (2 * (3 - late)) + early'), []);
    assert.deepEqual(result, {
      ok: false,
      message: "unknown variable 'late' at position 14 (the graders map is empty)",
      position: 14,
      unknown: ['early', 'late'],
    });
  });

  it('is case-sensitive', () => {
    const result = checkFormulaVariables(parsed('Similarity'), ['similarity']);
    assert.equal(result.ok, false);
  });

  it('does not treat Object.prototype names as known', () => {
    const result = checkFormulaVariables(parsed('toString + constructor'), ['a']);
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual(result.unknown, ['constructor', 'toString']);
  });
});
