import { isJsonObject } from '../json';
import { conversationOf } from './conversation';

/**
 * A small JSON Schema checker for model outputs: type, required, properties, additionalProperties: false,
 * enum, const, items, anyOf/oneOf, minItems/maxItems. Enough for the structured-output schemas
 * providers accept (they support a subset of JSON Schema themselves); `$ref` is not followed.
 */
export function checkJsonSchema(value: unknown, schema: unknown, path = '$'): string[] {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return [];
  const s = schema as Record<string, unknown>;
  const errors: string[] = [];
  const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(variants) && variants.length) {
    if (!variants.some((v) => checkJsonSchema(value, v, path).length === 0)) errors.push(`${path}: matches none of the ${variants.length} allowed shapes`);
  }
  if (s.type !== undefined) {
    const types = (Array.isArray(s.type) ? s.type : [s.type]).map((t) => String(t).toLowerCase());
    if (!types.some((t) => hasType(value, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${typeName(value)}`);
      return errors;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, value))) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if ('const' in s && !deepEqual(s.const, value)) errors.push(`${path}: must be ${JSON.stringify(s.const)}`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, unknown>;
    if (Array.isArray(s.required)) for (const k of s.required) if (typeof k === 'string' && !(k in obj)) errors.push(`${path}: missing required property "${k}"`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) errors.push(...checkJsonSchema(v, props[k], `${path}.${k}`));
      else if (s.additionalProperties === false) errors.push(`${path}: unexpected property "${k}"`);
      else if (s.additionalProperties && typeof s.additionalProperties === 'object') errors.push(...checkJsonSchema(v, s.additionalProperties, `${path}.${k}`));
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.items && typeof s.items === 'object') value.forEach((v, i) => errors.push(...checkJsonSchema(v, s.items, `${path}[${i}]`)));
  }
  return errors;
}

function hasType(v: unknown, t: string): boolean {
  switch (t) {
    case 'object':
      return isJsonObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    default:
      return true;
  }
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The output parsed as JSON when it is JSON (also inside a ```json fence), else undefined. */
export function parseJsonOutput(text: string | undefined): { value: unknown } | undefined {
  if (!text) return undefined;
  const t = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(t);
  const body = fenced ? fenced[1]! : t;
  if (!/^[[{]/.test(body)) return undefined;
  try {
    return { value: JSON.parse(body) };
  } catch {
    return undefined;
  }
}

/** True when the request asked for a JSON schema and the output is not JSON or does not follow it. */
export function outputFailsSchema(inputLineText: string, outputText: string | undefined): boolean {
  if (!inputLineText.includes('schema')) return false; // cheap skip: most lines carry no schema
  const schema = conversationOf(inputLineText).jsonSchema;
  if (schema === undefined) return false;
  const json = parseJsonOutput(outputText);
  return !json || checkJsonSchema(json.value, schema).length > 0;
}
