/**
 * Parser for a multi grader's `calculate_output` (architecture §6): a hand-written recursive-descent
 * parser over a small token list. No `eval`, no `Function`. Grammar (see README.md):
 *
 *   formula := sum END
 *   sum     := product (('+' | '-') product)*          left-associative
 *   product := unary (('*' | '/') unary)*              left-associative
 *   unary   := ('-' | '+') unary | power
 *   power   := primary ('^' unary)?                    right-associative; -2^2 = -(2^2), 2^-1 ok
 *   primary := NUMBER | NAME | NAME '(' sum (',' sum)* ')' | '(' sum ')'
 *
 * Errors are data: `{ ok: false, message, position }`, position a 0-based offset into the text.
 */
import {
  FORMULA_FUNCTIONS,
  isFormulaFunctionName,
  type FormulaBinaryOperator,
  type FormulaNode,
} from './formula-ast.ts';

export const FORMULA_MAX_LENGTH = 4096;
/** How deeply parentheses, function calls, unary operators and exponents may nest. */
export const FORMULA_MAX_DEPTH = 64;

export type ParsedFormula = { ok: true; ast: FormulaNode; variables: Set<string> };
export type FormulaError = { ok: false; message: string; position: number };
export type ParseFormulaResult = ParsedFormula | FormulaError;

type Punctuation = '+' | '-' | '*' | '/' | '^' | '(' | ')' | ',';

type Token =
  | { kind: 'number'; value: number; text: string; position: number }
  | { kind: 'name'; name: string; position: number }
  | { kind: 'punct'; text: Punctuation; position: number }
  | { kind: 'end'; position: number };

/** Internal control flow only: thrown by the lexer/parser, caught in `parseFormula`. */
class FormulaSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const NUMBER = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
/** What a malformed number runs on into, for the error message: `1.2.3`, `2x`, `1e`. */
const NUMBER_TAIL = /[A-Za-z0-9_.]*/y;
const WHITESPACE = /\s/;
const PUNCTUATION = new Set<string>(['+', '-', '*', '/', '^', '(', ')', ',']);

/** Throws `<head> at position <position><tail>`. */
function syntaxError(head: string, position: number, tail = ''): never {
  throw new FormulaSyntaxError(`${head} at position ${position}${tail}`, position);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (WHITESPACE.test(ch)) {
      i += 1;
      continue;
    }
    if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: 'punct', text: ch as Punctuation, position: i });
      i += 1;
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number !== null) {
      const end = i + number[0].length;
      const next = text[end];
      if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) {
        NUMBER_TAIL.lastIndex = end;
        const tail = NUMBER_TAIL.exec(text)?.[0] ?? '';
        syntaxError(`malformed number '${number[0]}${tail}'`, i);
      }
      const value = Number(number[0]);
      if (!Number.isFinite(value)) syntaxError(`number '${number[0]}' is too large`, i);
      tokens.push({ kind: 'number', value, text: number[0], position: i });
      i = end;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(text);
    if (name !== null) {
      tokens.push({ kind: 'name', name: name[0], position: i });
      i += name[0].length;
      continue;
    }
    const codePoint = String.fromCodePoint(text.codePointAt(i) ?? 0);
    syntaxError(`unexpected character '${codePoint}'`, i);
  }
  tokens.push({ kind: 'end', position: text.length });
  return tokens;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'number':
      return `number '${token.text}'`;
    case 'name':
      return `name '${token.name}'`;
    case 'punct':
      return `'${token.text}'`;
    case 'end':
      return 'end of formula';
  }
}

class Parser {
  private index = 0;
  private depth = 0;
  readonly variables = new Set<string>();

  constructor(private readonly tokens: readonly Token[]) {}

  parseFormula(): FormulaNode {
    const ast = this.parseSum();
    const token = this.peek();
    if (token.kind !== 'end') {
      if (isPunct(token, ')')) syntaxError(`unmatched ')'`, token.position);
      syntaxError(`unexpected ${describe(token)}`, token.position, '; expected an operator or the end of the formula');
    }
    return ast;
  }

  private peek(): Token {
    // The token list always ends with an 'end' token and the parser never advances past it.
    return this.tokens[this.index] as Token;
  }

  private advance(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  /** Runs `parse` one nesting level deeper, refusing to go beyond FORMULA_MAX_DEPTH. */
  private nested<T>(position: number, parse: () => T): T {
    if (this.depth >= FORMULA_MAX_DEPTH) {
      syntaxError('formula is nested too deeply', position, ` (limit ${FORMULA_MAX_DEPTH} levels)`);
    }
    this.depth += 1;
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private parseSum(): FormulaNode {
    let left = this.parseProduct();
    for (;;) {
      const token = this.peek();
      if (!isPunct(token, '+') && !isPunct(token, '-')) return left;
      this.advance();
      const right = this.parseProduct();
      left = binary(token.text as FormulaBinaryOperator, left, right, token.position);
    }
  }

  private parseProduct(): FormulaNode {
    let left = this.parseUnary();
    for (;;) {
      const token = this.peek();
      if (!isPunct(token, '*') && !isPunct(token, '/')) return left;
      this.advance();
      const right = this.parseUnary();
      left = binary(token.text as FormulaBinaryOperator, left, right, token.position);
    }
  }

  private parseUnary(): FormulaNode {
    const token = this.peek();
    if (isPunct(token, '-') || isPunct(token, '+')) {
      this.advance();
      const operator = token.text as '-' | '+';
      const operand = this.nested(token.position, () => this.parseUnary());
      return { kind: 'unary', operator, operand, position: token.position };
    }
    return this.parsePower();
  }

  private parsePower(): FormulaNode {
    const base = this.parsePrimary();
    const token = this.peek();
    if (!isPunct(token, '^')) return base;
    this.advance();
    // The exponent is a `unary`, so `2^-1` parses and `2^3^2` is `2^(3^2)`.
    const exponent = this.nested(token.position, () => this.parseUnary());
    return binary('^', base, exponent, token.position);
  }

  private parsePrimary(): FormulaNode {
    const token = this.advance();
    switch (token.kind) {
      case 'number':
        return { kind: 'number', value: token.value, position: token.position };
      case 'name':
        if (isPunct(this.peek(), '(')) return this.parseCall(token.name, token.position);
        this.variables.add(token.name);
        return { kind: 'variable', name: token.name, position: token.position };
      case 'punct':
        if (token.text === '(') {
          const inner = this.nested(token.position, () => this.parseSum());
          this.expectClose(`'(' at position ${token.position}`);
          return inner;
        }
        return syntaxError(`unexpected ${describe(token)}`, token.position, "; expected a number, a name or '('");
      case 'end':
        return syntaxError('unexpected end of formula', token.position, "; expected a number, a name or '('");
    }
  }

  private parseCall(name: string, position: number): FormulaNode {
    if (!isFormulaFunctionName(name)) {
      const known = Object.keys(FORMULA_FUNCTIONS).join(', ');
      syntaxError(`unknown function '${name}'`, position, ` (known: ${known})`);
    }
    const open = this.advance(); // '('
    const args = this.nested(open.position, () => {
      if (isPunct(this.peek(), ')')) return [];
      const parsed = [this.parseSum()];
      while (isPunct(this.peek(), ',')) {
        this.advance();
        parsed.push(this.parseSum());
      }
      return parsed;
    });
    this.expectClose(`argument list of ${name}() at position ${open.position}`);
    const { minArgs, maxArgs } = FORMULA_FUNCTIONS[name];
    if (args.length < minArgs || args.length > maxArgs) {
      const expected = minArgs === maxArgs ? `exactly ${minArgs}` : `at least ${minArgs}`;
      const noun = minArgs === 1 ? 'argument' : 'arguments';
      syntaxError(`${name}()`, position, ` takes ${expected} ${noun}, got ${args.length}`);
    }
    return { kind: 'call', name, args, position };
  }

  private expectClose(what: string): void {
    const token = this.peek();
    if (isPunct(token, ')')) {
      this.advance();
      return;
    }
    if (token.kind === 'end') syntaxError("missing ')'", token.position, ` to close the ${what}`);
    syntaxError(`unexpected ${describe(token)}`, token.position, `; expected ')' to close the ${what}`);
  }
}

function isPunct(token: Token, text: Punctuation): token is Token & { kind: 'punct' } {
  return token.kind === 'punct' && token.text === text;
}

function binary(operator: FormulaBinaryOperator, left: FormulaNode, right: FormulaNode, position: number): FormulaNode {
  return { kind: 'binary', operator, left, right, position };
}

/** Parses a `calculate_output` formula. Never throws; a syntax error comes back as data. */
export function parseFormula(text: string): ParseFormulaResult {
  if (text.length > FORMULA_MAX_LENGTH) {
    return {
      ok: false,
      message: `formula is longer than ${FORMULA_MAX_LENGTH} characters`,
      position: FORMULA_MAX_LENGTH,
    };
  }
  if (text.trim() === '') return { ok: false, message: 'formula is empty', position: 0 };
  try {
    const parser = new Parser(tokenize(text));
    const ast = parser.parseFormula();
    return { ok: true, ast, variables: parser.variables };
  } catch (error) {
    if (error instanceof FormulaSyntaxError) {
      return { ok: false, message: error.message, position: error.position };
    }
    throw error;
  }
}

export type CheckFormulaVariablesResult =
  | { ok: true }
  | { ok: false; message: string; position: number; unknown: string[] };

/**
 * Checks that every variable the formula uses is one of `allowed` (the keys of the multi grader's
 * `graders` map). Validation-time: the caller maps a failure to a 400. Reports the first unknown
 * variable in the text, and lists all of them in `unknown`.
 */
export function checkFormulaVariables(
  parsed: Pick<ParsedFormula, 'ast' | 'variables'>,
  allowed: Iterable<string>,
): CheckFormulaVariablesResult {
  const allowedSet = new Set(allowed);
  const unknown = [...parsed.variables].filter((name) => !allowedSet.has(name));
  if (unknown.length === 0) return { ok: true };
  // The fallback only matters for a `variables` set that does not match its tree.
  const { name, position } = firstVariableOccurrence(parsed.ast, new Set(unknown)) ?? {
    name: unknown.join("', '"),
    position: 0,
  };
  const known = allowedSet.size === 0 ? 'the graders map is empty' : `known: ${[...allowedSet].sort().join(', ')}`;
  return {
    ok: false,
    message: `unknown variable '${name}' at position ${position} (${known})`,
    position,
    unknown: unknown.sort(),
  };
}

/** The leftmost occurrence in the text of any of `names` (an iterative walk; no recursion). */
function firstVariableOccurrence(
  ast: FormulaNode,
  names: ReadonlySet<string>,
): { name: string; position: number } | null {
  let best: { name: string; position: number } | null = null;
  const stack: FormulaNode[] = [ast];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    switch (node.kind) {
      case 'variable':
        if (names.has(node.name) && (best === null || node.position < best.position)) {
          best = { name: node.name, position: node.position };
        }
        break;
      case 'unary':
        stack.push(node.operand);
        break;
      case 'binary':
        stack.push(node.left, node.right);
        break;
      case 'call':
        stack.push(...node.args);
        break;
      case 'number':
        break;
    }
  }
  return best;
}
