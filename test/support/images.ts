/**
 * Real images made with sharp for tests, and the pixel statistics tests judge them by.
 */
import sharp from 'sharp';

/** A photo-like test image: smooth colour gradients with sharp-edged detail on top. */
export async function makeImage(options: { width?: number; height?: number; format?: 'jpeg' | 'png' | 'webp' | 'gif' } = {}): Promise<Buffer> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const checker = ((x >> 3) + (y >> 3)) % 2 === 0 ? 60 : 0;
      pixels[i] = Math.min(255, Math.round((x / width) * 200) + checker);
      pixels[i + 1] = Math.min(255, Math.round((y / height) * 180) + checker);
      pixels[i + 2] = Math.min(255, 220 - Math.round((x / width) * 150) + (checker >> 1));
    }
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  switch (options.format ?? 'jpeg') {
    case 'png':
      return image.png().toBuffer();
    case 'webp':
      return image.webp().toBuffer();
    case 'gif':
      return image.gif().toBuffer();
    default:
      return image.jpeg({ quality: 90 }).toBuffer();
  }
}

/** Mean absolute difference between horizontally and vertically neighbouring luminance values. */
export async function highFrequencyEnergy(image: Buffer): Promise<number> {
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  let total = 0;
  let count = 0;
  for (let y = 0; y < info.height - 1; y++) {
    for (let x = 0; x < info.width - 1; x++) {
      const i = y * info.width + x;
      total += Math.abs(data[i]! - data[i + 1]!) + Math.abs(data[i]! - data[i + info.width]!);
      count += 2;
    }
  }
  return total / count;
}

/** True when every pixel has equal R, G and B (or the image has a single channel). */
export async function isGray(image: Buffer, tolerance = 2): Promise<boolean> {
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels === 1) return true;
  for (let i = 0; i < data.length; i += info.channels) {
    if (Math.abs(data[i]! - data[i + 1]!) > tolerance || Math.abs(data[i]! - data[i + 2]!) > tolerance) return false;
  }
  return true;
}

/** The spread of channel means: large for a colourful image, near 0 for a gray one. */
export async function channelSpread(image: Buffer): Promise<number> {
  const { channels } = await sharp(image).stats();
  const means = channels.slice(0, 3).map((c) => c.mean);
  return Math.max(...means) - Math.min(...means);
}

/** A small but valid two-page PDF. */
export function makePdf(pages = 2): Buffer {
  const objects: string[] = [];
  const kids = Array.from({ length: pages }, (_, i) => `${3 + i} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  for (let i = 0; i < pages; i++) objects.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>');
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
