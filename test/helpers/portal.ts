/** Test helpers for the buyer side: read the QR links back out of a cards PDF, and post portal forms. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import sharp from 'sharp';

async function decodePng(file: string): Promise<string | null> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.length), info.width, info.height)?.data ?? null;
}

/**
 * Render each page at 200 dpi (pdftoppm) and decode its QR code (jsqr on raw RGBA from sharp).
 * One CI run found no code on a card at 200 dpi, which over a thousand random cards rendered here
 * never reproduced; so a page not read at 200 dpi is rendered again at 300 and 150 dpi, and a page
 * unreadable at all three fails the test, its PDF kept in the temporary directory the error names.
 */
export async function qrLinksOf(pdf: Buffer, opts: { keepPngAs?: string } = {}): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cards-'));
  const pdfFile = path.join(dir, 'cards.pdf');
  fs.writeFileSync(pdfFile, pdf);
  execFileSync('pdftoppm', ['-r', '200', '-png', pdfFile, path.join(dir, 'page')]);
  const pages = fs.readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
  const out: string[] = [];
  for (const [i, p] of pages.entries()) {
    const file = path.join(dir, p);
    if (opts.keepPngAs && out.length === 0) fs.copyFileSync(file, opts.keepPngAs);
    let code = await decodePng(file);
    for (const dpi of ['300', '150']) {
      if (code !== null) break;
      const again = path.join(dir, `again-${dpi}`);
      execFileSync('pdftoppm', ['-r', dpi, '-png', '-singlefile', '-f', String(i + 1), '-l', String(i + 1), pdfFile, again]);
      code = await decodePng(`${again}.png`);
    }
    if (code === null) throw new Error(`no QR code found on ${p} at 200, 300 or 150 dpi (PDF kept: ${pdfFile})`);
    out.push(code);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

/** A multipart body as a browser form would send it. */
export function multipart(fields: [string, string][], file?: { name: string; fileName: string; type: string; bytes: Buffer }): { payload: Buffer; contentType: string } {
  const boundary = '----afterdesk' + Math.random().toString(16).slice(2);
  const parts: Buffer[] = [];
  for (const [k, v] of fields) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.name}"; filename="${file.fileName}"\r\nContent-Type: ${file.type}\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export function cookieFrom(setCookie: string | string[] | undefined, name: string): string | null {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const c = all.find((x) => x.startsWith(`${name}=`));
  return c ? c.split(';')[0]! : null;
}

export function csrfIn(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf field on the page');
  return m[1]!;
}
