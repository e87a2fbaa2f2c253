import { DEFAULT_MAX_STRING_LENGTH, type ConfiguredParam } from './configured-tool-definition.js';
import { quoteValue } from '../errors/quote-value.js';

/** A declared parameter, ready to judge task values. */
export interface CompiledParam {
  readonly name: string;
  readonly type: ConfiguredParam['type'];
  readonly required: boolean;
  /** The default as it is substituted (`5`, `true`); undefined when there is none. */
  readonly defaultText: string | undefined;
  /**
   * Why a task's value is refused (`is not a whole number`), or undefined when it is accepted.
   * An accepted value is substituted exactly as sent: every type's accepted form is canonical.
   */
  problemWith(value: string): string | undefined;
}

/** Reports a fault in the definition: `field` relative to the parameter (`default`, `pattern`). */
export type ReportParamFault = (field: string, reason: string) => never;

const STRICT_INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const PARAM_KEYS = {
  string: ['type', 'required', 'description', 'default', 'pattern', 'maxLength', 'allowLeadingDash'],
  integer: ['type', 'required', 'description', 'default', 'min', 'max'],
  boolean: ['type', 'required', 'description', 'default'],
} as const satisfies Record<ConfiguredParam['type'], readonly string[]>;

/** The keys a parameter of each type may set. */
export const CONFIGURED_PARAM_KEYS: Readonly<Record<ConfiguredParam['type'], readonly string[]>> = PARAM_KEYS;

/**
 * Checks a declared parameter (the definition is trusted input, but may be wrong) and compiles
 * its rules: the pattern into an anchored RegExp, the default into the text it substitutes. A
 * required parameter has no default; a default must pass the parameter's own rules.
 */
export function compileConfiguredParam(name: string, param: ConfiguredParam, fault: ReportParamFault): CompiledParam {
  if (typeof param !== 'object' || param === null) fault('', 'must be a mapping with at least a type');
  const type: unknown = param.type;
  if (type !== 'string' && type !== 'integer' && type !== 'boolean') {
    fault('type', `${showValue(type)} is not a parameter type (string, integer or boolean)`);
  }
  for (const key of Object.keys(param)) {
    if (!(PARAM_KEYS[type] as readonly string[]).includes(key)) {
      fault(key, `unknown key for ${type === 'integer' ? 'an' : 'a'} ${type} parameter (expected one of ${PARAM_KEYS[type].join(', ')})`);
    }
  }
  const required = param.required ?? false;
  if (typeof required !== 'boolean') fault('required', 'must be true or false');
  if (param.description !== undefined && typeof param.description !== 'string') fault('description', 'must be a string');
  if (required && param.default !== undefined) fault('default', 'a required parameter cannot have a default');

  let problemWith: (value: string) => string | undefined;
  switch (param.type) {
    case 'string':
      problemWith = stringRules(param, fault);
      break;
    case 'integer':
      problemWith = integerRules(param, fault);
      break;
    case 'boolean':
      problemWith = (value) => (value === 'true' || value === 'false' ? undefined : 'must be true or false');
      break;
  }
  const checkValue = (value: string): string | undefined => controlProblem(value) ?? problemWith(value);

  let defaultText: string | undefined;
  if (param.default !== undefined) {
    const value: unknown = param.default;
    const expected = param.type === 'integer' ? 'number' : param.type;
    if (typeof value !== expected || (param.type === 'integer' && !Number.isSafeInteger(value))) {
      fault('default', `${showValue(value)} is not of type ${param.type}`);
    }
    defaultText = String(value);
    const problem = checkValue(defaultText);
    if (problem !== undefined) fault('default', `${quoteValue(defaultText)} ${problem}`);
  }
  return { name, type: param.type, required, defaultText, problemWith: checkValue };
}

function stringRules(
  param: Extract<ConfiguredParam, { type: 'string' }>,
  fault: ReportParamFault,
): (value: string) => string | undefined {
  const maxLength = param.maxLength ?? DEFAULT_MAX_STRING_LENGTH;
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) fault('maxLength', 'must be a whole number of at least 1');
  const allowLeadingDash = param.allowLeadingDash ?? false;
  if (typeof allowLeadingDash !== 'boolean') fault('allowLeadingDash', 'must be true or false');
  let pattern: RegExp | undefined;
  if (param.pattern !== undefined) {
    if (typeof param.pattern !== 'string' || param.pattern === '') fault('pattern', 'must be a non-empty string');
    try {
      // Compiled alone first, so that a pattern such as `a)|(b` cannot escape the anchors.
      new RegExp(param.pattern, 'u');
      pattern = new RegExp(`^(?:${param.pattern})$`, 'u');
    } catch (error) {
      fault('pattern', `is not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return (value) => {
    if (value.length > maxLength && [...value].length > maxLength) return `is longer than ${maxLength} characters`;
    if (!allowLeadingDash && value.startsWith('-')) return 'must not start with "-" (it could be read as an option)';
    if (pattern !== undefined && !pattern.test(value)) return `does not match ${quoteValue(param.pattern)}`;
    return undefined;
  };
}

function integerRules(
  param: Extract<ConfiguredParam, { type: 'integer' }>,
  fault: ReportParamFault,
): (value: string) => string | undefined {
  const { min, max } = param;
  if (min !== undefined && !Number.isSafeInteger(min)) fault('min', `${showValue(min)} is not a whole number`);
  if (max !== undefined && !Number.isSafeInteger(max)) fault('max', `${showValue(max)} is not a whole number`);
  if (min !== undefined && max !== undefined && min > max) fault('max', `${max} is less than min ${min}`);
  return (value) => {
    if (!STRICT_INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
      return 'is not a whole number (decimal digits, an optional leading "-", no leading zeros)';
    }
    const number = Number(value);
    if (min !== undefined && number < min) return `is less than the minimum of ${min}`;
    if (max !== undefined && number > max) return `is more than the maximum of ${max}`;
    return undefined;
  };
}

// Matches code points, so a surrogate only matches when it is unpaired.
const CONTROL = /\p{Cc}/u;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A definition's value in a message: strings quoted and cut short, other values as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return quoteValue(value);
  return JSON.stringify(value) ?? String(value);
}

function controlProblem(value: string): string | undefined {
  if (value.includes('\0')) return 'must not contain a NUL byte';
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(value)) return 'is not well-formed Unicode (unpaired surrogate)';
  return undefined;
}
