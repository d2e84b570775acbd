// The codec endpoint the Temporal UI (and `temporal workflow show --codec-endpoint`) calls to show
// encrypted payloads in the clear: POST /encode and /decode with { payloads: [...] } (metadata
// and data in base64), as Temporal's remote codec protocol has it. Only the browser origins
// given may call it (CORS); it holds the keys, so it runs where only operators can reach it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function codecServer(codec: PayloadCodec, allowedOrigins: readonly string[]): Server {
  return createServer((req, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const op = req.url === '/encode' ? 'encode' : req.url === '/decode' ? 'decode' : undefined;
    if (req.method !== 'POST' || !op) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /encode or /decode\n');
    body(req)
      .then(async (text) => {
        const { payloads } = JSON.parse(text) as { payloads?: JsonPayload[] };
        if (!Array.isArray(payloads)) throw new Error('expected { payloads: [...] }');
        const out = await codec[op](payloads.map(fromJson));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
      })
      // The message names what failed (a missing key id, bad JSON), never a key.
      .catch((err: unknown) => res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`));
  });
}
