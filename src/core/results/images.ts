import { isJsonObject } from '../json';

/** An image a provider returned inline, safe to show as a `data:` URL (never SVG: it can carry script). */
export interface OutputImage {
  mime: 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';
  base64: string;
}

const MIMES: Record<string, OutputImage['mime']> = { png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };
/** The detail pane shows a few images, each at most this big (a 4K PNG is ~10 MB of base64). */
const MAX_IMAGES = 4;
const MAX_BASE64_CHARS = 12 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function image(mime: OutputImage['mime'] | undefined, data: unknown): OutputImage | undefined {
  return mime && typeof data === 'string' && data.length > 0 && data.length <= MAX_BASE64_CHARS && BASE64.test(data) ? { mime, base64: data } : undefined;
}

/**
 * Images in a result: OpenAI's ImagesResponse (`data[].b64_json` with `output_format`, resources/images.d.ts) and
 * Gemini's inline parts (`candidates[].content.parts[].inlineData {mimeType, data}`), wherever the batch line nests
 * the response body (`response.body`, `response`, or the body itself).
 */
export function imagesOf(raw: unknown): OutputImage[] {
  const out: OutputImage[] = [];
  const bodies: unknown[] = [raw];
  if (isJsonObject(raw) && isJsonObject(raw.response)) bodies.push(raw.response, raw.response.body);
  for (const b of bodies) {
    if (!isJsonObject(b)) continue;
    if (Array.isArray(b.data)) {
      const mime = MIMES[typeof b.output_format === 'string' ? b.output_format : 'png'];
      for (const d of b.data) if (isJsonObject(d)) pushImage(out, image(mime, d.b64_json));
    }
    if (Array.isArray(b.candidates)) {
      for (const c of b.candidates) {
        const parts = isJsonObject(c) && isJsonObject(c.content) && Array.isArray(c.content.parts) ? c.content.parts : [];
        for (const p of parts) {
          const inline = isJsonObject(p) ? (p.inlineData ?? p.inline_data) : undefined;
          if (isJsonObject(inline)) pushImage(out, image(MIMES[String(inline.mimeType ?? inline.mime_type ?? '').replace(/^image\//, '')], inline.data));
        }
      }
    }
  }
  return out.slice(0, MAX_IMAGES);
}

function pushImage(out: OutputImage[], img: OutputImage | undefined): void {
  if (img && out.length < MAX_IMAGES) out.push(img);
}
