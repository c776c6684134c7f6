import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imagesOf } from '../../src/core/results/images';
import { parseOpenAIOutputLine } from '../../src/providers/openaiOutput';
import { openaiReply } from '../../src/emulator/openai/replies';
import { DetailSchema } from '../../src/shared/resultsProtocol';

// Issue 11: an image output is shown as an image. Shapes: openai-node resources/images.d.ts (ImagesResponse),
// resources/videos.d.ts (Video), resources/moderations.d.ts (ModerationCreateResponse); Gemini GenerateContentResponse
// parts with inlineData (@google/genai dist/genai.d.ts Blob).

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const batchLine = (body: unknown) => JSON.stringify({ id: 'batch_req_1', custom_id: 'img-1', response: { status_code: 200, request_id: 'req_1', body }, error: null });

test('an images batch answer: its images, and a line of text for the table instead of base64', () => {
  const body = openaiReply('/v1/images/generations', { model: 'gpt-image-1', prompt: 'A sea otter', n: 2 }, 0, 'seed').body;
  const r = parseOpenAIOutputLine(batchLine(body));
  assert.equal(r.outcome, 'succeeded');
  assert.equal(r.outputText, '2 images (png, 1024x1024)');
  const images = imagesOf(r.raw);
  assert.deepEqual(images.map((i) => i.mime), ['image/png', 'image/png']);
  assert.equal(images[0]!.base64, PNG);
  assert.ok(DetailSchema.shape.images.safeParse(images).success);
});

test('Gemini inline image parts are images too; SVG, bad base64 and oversize data are not shown', () => {
  const gemini = { candidates: [{ content: { parts: [{ text: 'Here you go' }, { inlineData: { mimeType: 'image/jpeg', data: PNG } }, { inlineData: { mimeType: 'image/svg+xml', data: PNG } }] } }] };
  assert.deepEqual(imagesOf({ response: gemini }).map((i) => i.mime), ['image/jpeg']);
  assert.deepEqual(imagesOf({ data: [{ b64_json: '<script>alert(1)</script>' }] }), []);
  assert.deepEqual(imagesOf({ data: [{ b64_json: 'A'.repeat(13 * 1024 * 1024) }] }), []);
  assert.equal(imagesOf({ data: Array.from({ length: 9 }, () => ({ b64_json: PNG })) }).length, 4);
});

test('videos and moderations read as one line of text', () => {
  const video = openaiReply('/v1/videos', { model: 'sora-2', prompt: 'A cat' }, 0, 's').body as { id: string };
  assert.equal(parseOpenAIOutputLine(batchLine(video)).outputText, `video ${video.id}: completed, 4 s, 720x1280`);
  const mod = openaiReply('/v1/moderations', { input: ['fine', 'I will hurt them [[flag]]'] }, 0, 's').body;
  assert.equal(parseOpenAIOutputLine(batchLine(mod)).outputText, 'not flagged; flagged: violence');
});
