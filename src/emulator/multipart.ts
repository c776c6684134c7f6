import { HttpError } from './http';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** A view into the request body (no copy). */
  data: Buffer;
}

/** Parses a `multipart/form-data` body held in memory (the emulator's uploads are bounded by its body limit). */
export function parseMultipart(body: Buffer, contentType: string | undefined): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !boundary) {
    throw new HttpError(400, 'Expected a multipart/form-data body with a boundary.', { code: 'invalid_request' });
  }
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new HttpError(400, 'The multipart body has no part boundary.', { code: 'invalid_request' });
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new HttpError(400, 'A multipart part has no header terminator.', { code: 'invalid_request' });
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next < 0) throw new HttpError(400, 'The multipart body ends before its closing boundary.', { code: 'invalid_request' });
    const dataEnd = body[next - 2] === 0x0d && body[next - 1] === 0x0a ? next - 2 : next;
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined) {
      parts.push({
        name,
        filename: /\bfilename="([^"]*)"/i.exec(disposition)?.[1],
        contentType: /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim(),
        data: body.subarray(headerEnd + 4, dataEnd),
      });
    }
    pos = next;
  }
  return parts;
}
