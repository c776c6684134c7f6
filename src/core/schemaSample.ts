import { isJsonObject } from './json';

/** The smallest value that follows a JSON schema: what the emulator answers when a request asks for one. */
export function sampleOfSchema(schema: unknown, text: string, depth = 0): unknown {
  if (!isJsonObject(schema) || depth > 8) return text;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || isJsonObject(schema.properties)) {
    const props = isJsonObject(schema.properties) ? schema.properties : {};
    const keys = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : Object.keys(props);
    return Object.fromEntries(keys.map((k) => [k, sampleOfSchema(props[k], text, depth + 1)]));
  }
  if (type === 'array') return typeof schema.minItems === 'number' && schema.minItems > 0 ? [sampleOfSchema(schema.items, text, depth + 1)] : [];
  if (type === 'integer' || type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 0;
  if (type === 'boolean') return false;
  if (type === 'null') return null;
  return text;
}

/** Roughly how many tokens the smallest answer that follows `schema` takes (JSON at ~3 characters a token). */
export function schemaMinTokens(schema: unknown): number {
  return Math.ceil(JSON.stringify(sampleOfSchema(schema, 'x')).length / 3);
}
