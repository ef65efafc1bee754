// Draws build/icon.png (1024×1024), the app icon electron-builder turns into .icns/.ico: a bench by a lake.
// Run: node build/make-icon.mjs. Plain Node (zlib), no image library.
import { Buffer } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';
import { deflateSync } from 'node:zlib';

const SIZE = 1024;
const SAMPLES = 4; // per axis, for anti-aliased edges

function insideRoundedSquare(x, y) {
  const m = 0.06,
    r = 0.2;
  const cx = Math.min(Math.max(x, m + r), 1 - m - r);
  const cy = Math.min(Math.max(y, m + r), 1 - m - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= m && x <= 1 - m && y >= m && y <= 1 - m;
}

const wave = (x, y0, amp, phase) => y0 + amp * Math.sin((x * 2.2 + phase) * Math.PI * 2);

/** The colour at a point of the unit square, or null outside the icon. */
function colourAt(x, y) {
  if (!insideRoundedSquare(x, y)) return null;
  // The bench: seat, back rail and legs.
  const rect = (x0, y0, x1, y1) => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  if (
    rect(0.26, 0.4, 0.74, 0.44) ||
    rect(0.26, 0.3, 0.74, 0.335) ||
    rect(0.31, 0.335, 0.34, 0.4) ||
    rect(0.66, 0.335, 0.69, 0.4) ||
    rect(0.3, 0.44, 0.335, 0.56) ||
    rect(0.665, 0.44, 0.7, 0.56)
  )
    return [241, 245, 249];
  if (y > wave(x, 0.74, 0.018, 0.25)) return [14, 116, 144];
  if (y > wave(x, 0.64, 0.02, 0)) return [56, 189, 248];
  // Evening sky: dark navy to slate.
  const t = (y - 0.06) / 0.88;
  return [Math.round(15 + 10 * t), Math.round(23 + 30 * t), Math.round(42 + 40 * t)];
}

const raw = Buffer.alloc((SIZE * 4 + 1) * SIZE);
for (let py = 0; py < SIZE; py++) {
  const row = py * (SIZE * 4 + 1);
  raw[row] = 0; // filter: none
  for (let px = 0; px < SIZE; px++) {
    let r = 0,
      g = 0,
      b = 0,
      a = 0;
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const c = colourAt((px + (sx + 0.5) / SAMPLES) / SIZE, (py + (sy + 0.5) / SAMPLES) / SIZE);
        if (!c) continue;
        r += c[0];
        g += c[1];
        b += c[2];
        a++;
      }
    }
    const o = row + 1 + px * 4;
    if (a) {
      raw[o] = Math.round(r / a);
      raw[o + 1] = Math.round(g / a);
      raw[o + 2] = Math.round(b / a);
    }
    raw[o + 3] = Math.round((255 * a) / (SAMPLES * SAMPLES));
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
process.stdout.write(`build/icon.png: ${SIZE}×${SIZE}, ${png.length} bytes\n`);
