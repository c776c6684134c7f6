import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../src/emulator';
import { JobStore } from '../../src/core/jobs/store';
import { GeminiProvider } from '../../src/providers/gemini';
import { defaultProfile } from '../../src/providers';
import { submitJob } from '../../src/jobs/submit';
import { validateFile } from '../../src/core/validate';
import { writeInput } from './support/providerHarness';
import { startRecordingProxy, type RecordedRequest, type RecordingProxy } from './support/recordingProxy';

/*
 * What @google/genai really puts on the wire for Batchwise's Gemini lines, recorded by a proxy in front of the
 * emulator. The line below is written as in the Gemini REST reference (ai.google.dev/api/generate-content:
 * GenerateContentRequest, Content, Part, GenerationConfig, Schema, Tool, ToolConfig, SafetySetting, in the
 * snake_case the REST docs' curl examples use); the expected request is the same in camelCase, the JSON names
 * the REST API and the SDK's `inlinedRequestToMldev` use. Property names inside schemas and function arguments
 * are the user's data and must arrive unchanged.
 */
const restLine = {
  key: 'full-1',
  request: {
    model: 'gemini-2.5-flash',
    contents: [
      {
        role: 'user',
        parts: [
          { text: 'Who is this user, and what is in the picture?' },
          { inline_data: { mime_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { file_data: { mime_type: 'video/mp4', file_uri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' }, video_metadata: { start_offset: '1s', end_offset: '5s', fps: 2 } },
        ],
      },
      { role: 'model', parts: [{ function_call: { name: 'lookup_user', args: { user_id: 7, full_name: 'Ada' } } }] },
      { role: 'user', parts: [{ function_response: { name: 'lookup_user', response: { account_status: 'active' } } }] },
    ],
    system_instruction: { parts: [{ text: 'Answer in one sentence.' }] },
    generation_config: {
      max_output_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      candidate_count: 1,
      stop_sequences: ['END'],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      response_logprobs: true,
      logprobs: 3,
      response_mime_type: 'application/json',
      response_schema: {
        type: 'OBJECT',
        properties: { first_name: { type: 'STRING', max_length: 40 }, zip_code: { type: 'STRING', nullable: true }, tags: { type: 'ARRAY', items: { type: 'STRING' }, min_items: 1 } },
        required: ['first_name'],
        property_ordering: ['first_name', 'zip_code', 'tags'],
      },
      response_modalities: ['TEXT'],
      thinking_config: { thinking_budget: 1024, include_thoughts: true },
      media_resolution: 'MEDIA_RESOLUTION_LOW',
      speech_config: { voice_config: { prebuilt_voice_config: { voice_name: 'Kore' } }, language_code: 'en-US' },
      image_config: { aspect_ratio: '16:9', image_size: '1K' },
    },
    safety_settings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
    tools: [
      { function_declarations: [{ name: 'lookup_user', description: 'Finds a user.', parameters: { type: 'OBJECT', properties: { user_id: { type: 'INTEGER' } }, required: ['user_id'] } }] },
      { google_search: {} },
      { code_execution: {} },
      { url_context: {} },
    ],
    tool_config: { function_calling_config: { mode: 'ANY', allowed_function_names: ['lookup_user'] } },
    cached_content: 'cachedContents/abc123',
  },
};

/** The REST request in the API's JSON names; `model` is not repeated per request (the batch names it). */
const expectedOnWire = {
  contents: [
    {
      role: 'user',
      parts: [
        { text: 'Who is this user, and what is in the picture?' },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
        { fileData: { mimeType: 'video/mp4', fileUri: 'https://generativelanguage.googleapis.com/v1beta/files/abc' }, videoMetadata: { startOffset: '1s', endOffset: '5s', fps: 2 } },
      ],
    },
    { role: 'model', parts: [{ functionCall: { name: 'lookup_user', args: { user_id: 7, full_name: 'Ada' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'lookup_user', response: { account_status: 'active' } } }] },
  ],
  systemInstruction: { parts: [{ text: 'Answer in one sentence.' }] },
  generationConfig: {
    maxOutputTokens: 256,
    temperature: 0.2,
    topP: 0.9,
    topK: 40,
    candidateCount: 1,
    stopSequences: ['END'],
    seed: 7,
    presencePenalty: 0.1,
    frequencyPenalty: 0.2,
    responseLogprobs: true,
    logprobs: 3,
    responseMimeType: 'application/json',
    responseSchema: {
      type: 'OBJECT',
      properties: { first_name: { type: 'STRING', maxLength: 40 }, zip_code: { type: 'STRING', nullable: true }, tags: { type: 'ARRAY', items: { type: 'STRING' }, minItems: 1 } },
      required: ['first_name'],
      propertyOrdering: ['first_name', 'zip_code', 'tags'],
    },
    responseModalities: ['TEXT'],
    thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
    mediaResolution: 'MEDIA_RESOLUTION_LOW',
    speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Kore' } }, languageCode: 'en-US' },
    imageConfig: { aspectRatio: '16:9', imageSize: '1K' },
  },
  safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
  tools: [
    { functionDeclarations: [{ name: 'lookup_user', description: 'Finds a user.', parameters: { type: 'OBJECT', properties: { user_id: { type: 'INTEGER' } }, required: ['user_id'] } }] },
    { googleSearch: {} },
    { codeExecution: {} },
    { urlContext: {} },
  ],
  toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['lookup_user'] } },
  cachedContent: 'cachedContents/abc123',
};

type CreateBody = { batch: { inputConfig: { requests?: { requests: { request: unknown; metadata?: Record<string, string> }[] }; fileName?: string } } };

describe('Gemini requests on the wire (@google/genai -> recording proxy -> emulator)', () => {
  let emu: Emulator;
  let proxy: RecordingProxy;
  let dir: string;
  let store: JobStore;

  const provider = (mode: 'inline' | 'file') => new GeminiProvider(defaultProfile('gemini', proxy.url), 'test-key', { inlineMaxBytes: mode === 'inline' ? undefined : 0, retry: { sleep: async () => undefined } });
  const creates = (): CreateBody[] => proxy.requests.filter((r) => r.method === 'POST' && /:batchGenerateContent$/.test(r.url)).map((r) => JSON.parse(r.body.toString('utf8')) as CreateBody);
  /** The bytes of the resumable upload's data request (the SDK sends the file with `X-Goog-Upload-Command: upload, finalize`). */
  const uploads = (): RecordedRequest[] => proxy.requests.filter((r) => String(r.headers['x-goog-upload-command'] ?? '').includes('upload'));

  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    proxy?.requests.splice(0);
    proxy ??= await startRecordingProxy(emu.url);
    dir = await mkdtemp(join(tmpdir(), 'bw-gemini-wire-'));
    store = new JobStore(join(dir, 'home'));
  });
  after(async () => proxy?.close());

  it('inline: a snake_case REST line reaches the server with every field, in camelCase, user property names untouched', async () => {
    const path = await writeInput(dir, 'rest.jsonl', [JSON.stringify(restLine)]);
    assert.deepEqual((await validateFile(path, { provider: 'gemini' })).diagnostics, [], 'every field of the REST line is a known field');
    await submitJob({ store, provider: provider('inline'), inputPath: path, model: 'gemini-2.5-flash' });
    const [create] = creates();
    assert.ok(create, 'one inline batch create was sent');
    const sent = create.batch.inputConfig.requests?.requests;
    assert.equal(sent?.length, 1);
    assert.deepEqual(sent[0]!.metadata, { key: 'full-1' });
    assert.deepEqual(sent[0]!.request, expectedOnWire);
  });

  it('inline: the camelCase spelling of the same line sends the same request', async () => {
    const path = await writeInput(dir, 'camel.jsonl', [JSON.stringify({ key: 'full-1', request: { model: 'gemini-2.5-flash', ...expectedOnWire } })]);
    await submitJob({ store, provider: provider('inline'), inputPath: path, model: 'gemini-2.5-flash' });
    assert.deepEqual(creates()[0]?.batch.inputConfig.requests?.requests[0]?.request, expectedOnWire);
  });

  it('a field the SDK would leave out is not dropped: the validator warns, and the part goes as a file, byte for byte', async () => {
    const lines = [
      JSON.stringify({ key: 'a', request: { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }], generation_config: { temperature: 0, max_tokens: 64 } } }),
      JSON.stringify({ key: 'b', request: { contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] } }),
    ];
    const path = await writeInput(dir, 'unknown.jsonl', lines);
    const diags = (await validateFile(path, { provider: 'gemini' })).diagnostics;
    assert.deepEqual(
      diags.map((d) => [d.line, d.code, d.severity, d.fix?.title]),
      [[1, 'unknown-field', 'warning', 'Rename to "max_output_tokens"']],
    );
    const job = await submitJob({ store, provider: provider('inline'), inputPath: path, model: 'gemini-2.5-flash' });
    const [create] = creates();
    assert.equal(create?.batch.inputConfig.requests, undefined, 'no inline request was built from the line');
    assert.match(create?.batch.inputConfig.fileName ?? '', /^files\//);
    assert.equal(job.parts[0]!.inputFileId, create?.batch.inputConfig.fileName);
    assert.equal(uploads().map((u) => u.body.toString('utf8')).join(''), await readFile(path, 'utf8'));
  });

  it('file: a snake_case line is uploaded exactly as written (the REST API reads both spellings)', async () => {
    const path = await writeInput(dir, 'file.jsonl', [JSON.stringify(restLine)]);
    await submitJob({ store, provider: provider('file'), inputPath: path, model: 'gemini-2.5-flash' });
    assert.equal(uploads().map((u) => u.body.toString('utf8')).join(''), await readFile(path, 'utf8'));
  });
});
