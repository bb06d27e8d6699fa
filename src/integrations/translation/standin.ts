import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { detectLanguage, languageModelReady } from '../../modules/helpdesk/index.js';

/**
 * A local translation service speaking DeepL's v2 protocol (POST /v2/translate, `Authorization:
 * DeepL-Auth-Key …`, JSON or form body) for tests and the demo. It does not translate: it answers
 * a clearly labelled pseudo-translation, `[DE→EN] original text`, so nobody mistakes it for one.
 * Keys other than `acceptKey` (when given) are refused with 403, like DeepL does.
 */
export interface TranslationStandIn {
  url: string;
  /** Requests received, for tests: the key used, target and the texts. */
  calls: { key: string | null; target: string; texts: string[] }[];
  stop(): Promise<void>;
}

export async function startTranslationStandIn(opts: { port?: number; host?: string; acceptKey?: string } = {}): Promise<TranslationStandIn> {
  await languageModelReady();
  const calls: TranslationStandIn['calls'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v2/translate') return send(404, { message: 'Not found' });
      const auth = req.headers.authorization ?? '';
      const key = auth.startsWith('DeepL-Auth-Key ') ? auth.slice('DeepL-Auth-Key '.length) : null;
      if (!key || (opts.acceptKey && key !== opts.acceptKey)) return send(403, { message: 'Authorization failed' });
      const raw = Buffer.concat(chunks).toString('utf8');
      let texts: string[] = [];
      let target = '';
      let source: string | undefined;
      if ((req.headers['content-type'] ?? '').includes('application/json')) {
        try {
          const b = JSON.parse(raw) as { text?: unknown; target_lang?: unknown; source_lang?: unknown };
          texts = Array.isArray(b.text) ? b.text.map(String) : [];
          target = String(b.target_lang ?? '');
          source = typeof b.source_lang === 'string' ? b.source_lang : undefined;
        } catch {
          return send(400, { message: 'Bad request' });
        }
      } else {
        const f = new URLSearchParams(raw);
        texts = f.getAll('text');
        target = f.get('target_lang') ?? '';
        source = f.get('source_lang') ?? undefined;
      }
      if (!texts.length || !target) return send(400, { message: "Parameter 'text' and 'target_lang' are required" });
      calls.push({ key, target, texts });
      const translations = texts.map((t) => {
        const from = (source?.toLowerCase() ?? detectLanguage(t).language).toUpperCase();
        return { detected_source_language: from, text: `[${from}→${target.toUpperCase().split('-')[0]}] ${t}` };
      });
      send(200, { translations });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${addr.port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
