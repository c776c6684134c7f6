// Renders media/icon.png (256x256) from the same shapes as media/icon.svg: no image tool needed.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const N = 256, SS = 4; // 4x4 supersampling for smooth edges
const px = new Float64Array(N * N * 4);
const inRoundRect = (x, y, rx, ry, w, h, r) => {
  if (x < rx || y < ry || x > rx + w || y > ry + h) return false;
  const cx = Math.min(Math.max(x, rx + r), rx + w - r), cy = Math.min(Math.max(y, ry + r), ry + h - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const distSeg = (x, y, ax, ay, bx, by) => {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
};
const lerp = (a, b, t) => a + (b - a) * t;
for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) {
  let acc = [0, 0, 0, 0];
  for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) {
    const X = x + (sx + 0.5) / SS, Y = y + (sy + 0.5) / SS;
    if (!inRoundRect(X, Y, 0, 0, 256, 256, 48)) continue;
    const t = (X + Y) / 512;
    let c = [lerp(0x3b, 0x70, t), lerp(0x5b, 0x48, t), lerp(0xdb, 0xe8, t)];
    const bars = [[52, 0.95, 160], [111, 0.8, 160], [170, 0.65, 96]];
    for (const [by, op, w] of bars) if (inRoundRect(X, Y, 48, by, w, 34, 9)) c = c.map((v) => lerp(v, 255, op));
    const d = Math.min(distSeg(X, Y, 160, 187, 177, 204), distSeg(X, Y, 177, 204, 209, 166));
    if (d <= 7) c = [0x63, 0xe6, 0xbe];
    acc = [acc[0] + c[0], acc[1] + c[1], acc[2] + c[2], acc[3] + 255];
  }
  const n = SS * SS, i = (y * N + x) * 4, a = acc[3] / n;
  px[i] = a ? acc[0] / (acc[3] / 255) : 0; px[i + 1] = a ? acc[1] / (acc[3] / 255) : 0; px[i + 2] = a ? acc[2] / (acc[3] / 255) : 0; px[i + 3] = a;
}
const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) { raw[y * (N * 4 + 1)] = 0; for (let x = 0; x < N * 4; x++) raw[y * (N * 4 + 1) + 1 + x] = Math.round(px[y * N * 4 + x]); }
const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => { const len = Buffer.alloc(4); len.writeUInt32BE(data.length); const td = Buffer.concat([Buffer.from(type), data]); const c = Buffer.alloc(4); c.writeUInt32BE(crc(td)); return Buffer.concat([len, td, c]); };
const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6;
writeFileSync('media/icon.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
console.log('wrote media/icon.png');
