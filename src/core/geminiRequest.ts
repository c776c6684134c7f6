/**
 * The fields of a Gemini Developer API GenerateContentRequest, level by level, and a converter from the REST
 * docs' snake_case (`generation_config.max_output_tokens`) to the camelCase that @google/genai reads.
 *
 * Why: the SDK rebuilds every inline request from the camelCase fields it knows and leaves out the rest, so a
 * line written as in the REST reference would lose its settings on the way to the wire. Sources: the REST
 * reference (ai.google.dev/api/generate-content, .../api/caching#Content, #Part, #Tool, #Schema) and, for what
 * the SDK carries, @google/genai's `inlinedRequestToMldev` / `generateContentConfigToMldev` and its `Part`,
 * `Tool`, `ToolConfig`, `Schema`, `SpeechConfig`, `ThinkingConfig`, `ImageConfig` types (v3.3).
 *
 * User data is never renamed: property names inside `responseSchema.properties`, JSON Schema values
 * (`responseJsonSchema`, `parametersJsonSchema`), function call arguments and responses, labels.
 */

/** How a field's value is read. */
type Field =
  /** A scalar or enum: kept as is. */
  | 'value'
  /** User data (Struct, JSON Schema, free map): kept as is, keys included. */
  | 'data'
  | Message
  | { list: Message }
  /** A map from names the user chose to Schemas (`Schema.properties`). */
  | 'schemaMap'
  /** A Schema that the SDK reroutes to the JSON Schema field when it carries `$schema`. */
  | 'schemaOrJson';

interface Message {
  name: string;
  fields: Record<string, Field>;
  /** Fields only Vertex AI takes: the SDK refuses them for the Developer API, which batches go to. */
  vertexOnly?: readonly string[];
}

const msg = (name: string, fields: Record<string, Field>, vertexOnly?: readonly string[]): Message => ({ name, fields, ...(vertexOnly ? { vertexOnly } : {}) });
const list = (m: Message) => ({ list: m });

/** OpenAPI-subset Schema (REST `Schema`, the SDK's `Schema`); `properties` is a map of names the user chose. */
const Schema: Message = msg('Schema', {});
Object.assign(Schema.fields, {
  type: 'value',
  format: 'value',
  title: 'value',
  description: 'value',
  nullable: 'value',
  enum: 'value',
  maxItems: 'value',
  minItems: 'value',
  properties: 'schemaMap',
  required: 'value',
  minProperties: 'value',
  maxProperties: 'value',
  minLength: 'value',
  maxLength: 'value',
  pattern: 'value',
  example: 'data',
  anyOf: list(Schema),
  propertyOrdering: 'value',
  default: 'data',
  items: Schema,
  minimum: 'value',
  maximum: 'value',
});

const Blob = msg('Blob', { mimeType: 'value', data: 'value' });
const FileData = msg('FileData', { mimeType: 'value', fileUri: 'value' });
const FunctionResponseBlob = msg('FunctionResponseBlob', { mimeType: 'value', data: 'value', displayName: 'value' });
const FunctionResponseFileData = msg('FunctionResponseFileData', { mimeType: 'value', fileUri: 'value', displayName: 'value' });
const FunctionResponsePart = msg('FunctionResponsePart', { inlineData: FunctionResponseBlob, fileData: FunctionResponseFileData, mediaProcessing: 'data' });
const Part = msg('Part', {
  text: 'value',
  inlineData: Blob,
  fileData: FileData,
  functionCall: msg('FunctionCall', { id: 'value', name: 'value', args: 'data' }, ['partialArgs', 'willContinue']),
  functionResponse: msg('FunctionResponse', { id: 'value', name: 'value', response: 'data', parts: list(FunctionResponsePart), willContinue: 'value', scheduling: 'value' }),
  executableCode: msg('ExecutableCode', { id: 'value', language: 'value', code: 'value' }),
  codeExecutionResult: msg('CodeExecutionResult', { id: 'value', outcome: 'value', output: 'value' }),
  toolCall: msg('ToolCall', { id: 'value', toolType: 'value', args: 'data' }),
  toolResponse: msg('ToolResponse', { id: 'value', toolType: 'value', response: 'data' }),
  videoMetadata: msg('VideoMetadata', { startOffset: 'value', endOffset: 'value', fps: 'value' }),
  mediaResolution: msg('PartMediaResolution', { level: 'value', numTokens: 'value' }),
  thought: 'value',
  thoughtSignature: 'value',
  partMetadata: 'data',
  audioTranscription: 'data',
  mediaProcessing: 'data',
  speechMetadata: 'data',
});
const Content = msg('Content', { role: 'value', parts: list(Part) });

const FunctionDeclaration = msg('FunctionDeclaration', {
  name: 'value',
  description: 'value',
  behavior: 'value',
  parameters: 'schemaOrJson',
  parametersJsonSchema: 'data',
  response: 'schemaOrJson',
  responseJsonSchema: 'data',
});
const Interval = msg('Interval', { startTime: 'value', endTime: 'value' });
const Tool = msg(
  'Tool',
  {
    functionDeclarations: list(FunctionDeclaration),
    googleSearchRetrieval: msg('GoogleSearchRetrieval', { dynamicRetrievalConfig: msg('DynamicRetrievalConfig', { mode: 'value', dynamicThreshold: 'value' }) }),
    codeExecution: msg('CodeExecution', {}),
    googleSearch: msg('GoogleSearch', { timeRangeFilter: Interval, searchTypes: 'data' }, ['blockingConfidence', 'excludeDomains']),
    computerUse: msg('ComputerUse', { environment: 'value', excludedPredefinedFunctions: 'value', enablePromptInjectionDetection: 'value', disabledSafetyPolicies: 'value' }),
    urlContext: msg('UrlContext', {}),
    fileSearch: msg('FileSearch', { fileSearchStoreNames: 'value', metadataFilter: 'value', topK: 'value' }),
    googleMaps: msg('GoogleMaps', { enableWidget: 'value', authConfig: 'data' }, ['groundingTypes']),
    mcpServers: 'data',
  },
  ['retrieval', 'enterpriseWebSearch', 'exaAiSearch', 'parallelAiSearch'],
);
const ToolConfig = msg('ToolConfig', {
  functionCallingConfig: msg('FunctionCallingConfig', { mode: 'value', allowedFunctionNames: 'value' }, ['streamFunctionCallArguments']),
  retrievalConfig: msg('RetrievalConfig', { latLng: msg('LatLng', { latitude: 'value', longitude: 'value' }), languageCode: 'value' }),
  includeServerSideToolInvocations: 'value',
});
const SafetySetting = msg('SafetySetting', { category: 'value', threshold: 'value' }, ['method']);

const VoiceConfig = msg('VoiceConfig', { prebuiltVoiceConfig: msg('PrebuiltVoiceConfig', { voiceName: 'value' }), replicatedVoiceConfig: 'data', voice: 'value' });
const SpeechConfig = msg('SpeechConfig', {
  voiceConfig: VoiceConfig,
  multiSpeakerVoiceConfig: msg('MultiSpeakerVoiceConfig', { speakerVoiceConfigs: list(msg('SpeakerVoiceConfig', { speaker: 'value', voiceConfig: VoiceConfig })) }),
  languageCode: 'value',
});
const GenerationConfig = msg(
  'GenerationConfig',
  {
    stopSequences: 'value',
    responseMimeType: 'value',
    responseSchema: Schema,
    responseJsonSchema: 'data',
    responseModalities: 'value',
    candidateCount: 'value',
    maxOutputTokens: 'value',
    temperature: 'value',
    topP: 'value',
    topK: 'value',
    seed: 'value',
    presencePenalty: 'value',
    frequencyPenalty: 'value',
    responseLogprobs: 'value',
    logprobs: 'value',
    enableEnhancedCivicAnswers: 'value',
    speechConfig: SpeechConfig,
    thinkingConfig: msg('ThinkingConfig', { includeThoughts: 'value', thinkingBudget: 'value', thinkingLevel: 'value' }),
    imageConfig: msg('ImageConfig', { aspectRatio: 'value', imageSize: 'value' }, ['personGeneration', 'outputMimeType', 'outputCompressionQuality', 'imageOutputOptions', 'prominentPeople']),
    mediaResolution: 'value',
  },
  ['routingConfig', 'modelSelectionConfig', 'audioTimestamp'],
);

/** GenerateContentRequest as a batch line's `request` carries it. */
export const GENERATE_CONTENT_REQUEST: Message = msg('GenerateContentRequest', {
  model: 'value',
  contents: list(Content),
  systemInstruction: Content,
  generationConfig: GenerationConfig,
  safetySettings: list(SafetySetting),
  tools: list(Tool),
  toolConfig: ToolConfig,
  cachedContent: 'value',
  serviceTier: 'value',
  store: 'value',
  labels: 'data',
});

/** A field of the line that would not reach the API as written. `path` uses the line's own key spellings. */
export interface RequestFieldIssue {
  kind: 'unknown' | 'duplicate' | 'vertex-only';
  path: (string | number)[];
  /** The message the field sits in, e.g. `GenerationConfig`. */
  message: string;
  /** The field names that message has (camelCase), for "did you mean". */
  known: string[];
  /** duplicate: the other spelling already given. */
  other?: string;
}

export interface NormalizedRequest {
  /** The request with every known field in camelCase; unknown fields kept under their own names. */
  request: Record<string, unknown>;
  issues: RequestFieldIssue[];
}

/** `max_output_tokens` -> `maxOutputTokens`; camelCase names are left alone. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Converts a GenerateContentRequest (snake_case, camelCase or mixed) to camelCase and lists what it does not know. */
export function normalizeGeminiRequest(request: Record<string, unknown>): NormalizedRequest {
  const issues: RequestFieldIssue[] = [];
  const out = readMessage(request, GENERATE_CONTENT_REQUEST, undefined, issues);
  return { request: out, issues };
}

/** Work list of pending conversions, so a deeply nested line cannot overflow the stack. */
type Task = () => void;

/** A path as a chain to its parent: deep lines would cost quadratic memory as copied arrays. */
interface Path {
  parent: Path | undefined;
  key: string | number;
}

function pathArray(path: Path | undefined): (string | number)[] {
  const out: (string | number)[] = [];
  for (let p = path; p; p = p.parent) out.push(p.key);
  return out.reverse();
}

function readMessage(value: Record<string, unknown>, message: Message, path: Path | undefined, issues: RequestFieldIssue[]): Record<string, unknown> {
  const tasks: Task[] = [];
  const root = convertMessage(value, message, path, issues, tasks);
  while (tasks.length) tasks.pop()!();
  return root;
}

function convertMessage(value: Record<string, unknown>, message: Message, path: Path | undefined, issues: RequestFieldIssue[], tasks: Task[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const name = camelCase(key);
    const field = Object.hasOwn(message.fields, name) ? message.fields[name] : undefined;
    const at: Path = { parent: path, key };
    if (field === undefined) {
      const kind = message.vertexOnly?.includes(name) ? 'vertex-only' : 'unknown';
      issues.push({ kind, path: pathArray(at), message: message.name, known: Object.keys(message.fields) });
      out[key] = v;
      continue;
    }
    const first = spelledAs.get(name);
    if (first !== undefined) {
      issues.push({ kind: 'duplicate', path: pathArray(at), message: message.name, known: Object.keys(message.fields), other: first });
      continue;
    }
    spelledAs.set(name, key);
    out[name] = v;
    tasks.push(() => {
      out[name] = convertValue(v, field, at, issues, tasks);
    });
  }
  return out;
}

/** Values of the wrong type are kept as they are: the schema rules report them. */
function convertValue(v: unknown, field: Field, path: Path, issues: RequestFieldIssue[], tasks: Task[]): unknown {
  if (field === 'value' || field === 'data') return v;
  if (field === 'schemaMap') {
    if (!isObject(v)) return v;
    // Property names are the user's: only the schemas under them are read.
    const out: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(v)) {
      out[name] = schema;
      tasks.push(() => {
        out[name] = convertValue(schema, Schema, { parent: path, key: name }, issues, tasks);
      });
    }
    return out;
  }
  if (field === 'schemaOrJson') {
    // The SDK sends a schema with `$schema` as JSON Schema (`parametersJsonSchema`), untouched.
    if (isObject(v) && Object.hasOwn(v, '$schema')) return v;
    return convertValue(v, Schema, path, issues, tasks);
  }
  if ('list' in field) {
    if (!Array.isArray(v)) return v;
    const out: unknown[] = v.slice();
    v.forEach((item, i) => {
      tasks.push(() => {
        out[i] = isObject(item) ? convertMessage(item, field.list, { parent: path, key: i }, issues, tasks) : item;
      });
    });
    return out;
  }
  return isObject(v) ? convertMessage(v, field, path, issues, tasks) : v;
}

/** The fields of an SDK InlinedRequest: `contents`, and everything else folded into `config` as the SDK expects. */
export interface SdkInlinedShape {
  contents: unknown;
  config: Record<string, unknown>;
}

/**
 * A camelCase GenerateContentRequest -> @google/genai's InlinedRequest shape: generationConfig's fields and the
 * request-level settings (systemInstruction, safetySettings, tools, toolConfig, cachedContent, labels, serviceTier,
 * store) all sit in `config`, from which the SDK rebuilds the REST request. `model` is left out: the batch names it.
 */
export function toSdkInlinedShape(request: Record<string, unknown>): SdkInlinedShape {
  const { contents, generationConfig, model: _model, ...requestLevel } = request;
  void _model;
  return { contents, config: { ...(isObject(generationConfig) ? generationConfig : {}), ...requestLevel } };
}
