// A hook's triggerSchema (JSON Schema, checked with ajv): defaults are filled into the payload,
// and a payload that does not match is refused with the field named (`payload.branch`).
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { InputError } from '../errors';

export const DEFAULT_TRIGGER_SCHEMA = { type: 'object', additionalProperties: false };

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();
const MAX_COMPILED = 500;

/** Compiles (once per distinct schema) and returns the validator; InputError if it is not a valid schema. */
export function compileTriggerSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  const known = compiled.get(key);
  if (known) return known;
  // A schema's own $id would collide with a second hook using the same id.
  const { $id: _id, ...anonymous } = schema;
  let validate: ValidateFunction;
  try {
    if (!ajv.validateSchema(anonymous)) throw new Error(ajv.errorsText(ajv.errors, { dataVar: 'triggerSchema' }));
    validate = ajv.compile(anonymous);
  } catch (error) {
    throw new InputError(`triggerSchema is not a usable JSON schema: ${(error as Error).message}`, { field: 'triggerSchema' });
  }
  if (compiled.size >= MAX_COMPILED) {
    const [oldest] = compiled;
    compiled.delete(oldest[0]);
    ajv.removeSchema(oldest[1].schema as object);
  }
  compiled.set(key, validate);
  return validate;
}

/** The payload with the schema's defaults filled in; InputError naming each bad field. */
export function validatePayload(schema: Record<string, unknown>, payload: unknown): unknown {
  const validate = compileTriggerSchema(schema);
  const copy = payload === undefined ? {} : structuredClone(payload);
  if (validate(copy)) return copy;
  const problems = (validate.errors ?? []).map(describe);
  throw new InputError(`the payload does not match the hook's triggerSchema: ${problems.map((p) => p.message).join('; ')}`, {
    field: problems[0]?.field ?? 'payload',
    problems,
  });
}

function describe(error: ErrorObject): { field: string; message: string } {
  const base = `payload${error.instancePath
    .split('/')
    .slice(1)
    .map((part) => {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
    })
    .join('')}`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = `${base}.${String(params.missingProperty)}`;
    return { field, message: `${field} is required` };
  }
  if (error.keyword === 'additionalProperties') {
    const field = `${base}.${String(params.additionalProperty)}`;
    return { field, message: `${field} is not allowed (the triggerSchema does not list it)` };
  }
  const allowed = error.keyword === 'enum' ? `: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` : '';
  return { field: base, message: `${base} ${error.message ?? 'is invalid'}${allowed}` };
}
