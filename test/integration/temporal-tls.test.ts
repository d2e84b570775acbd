// Temporal over TLS. The local dev server speaks plaintext only, so a TLS front (Node's tls,
// ALPN h2, the local CA's server certificate, client certificate required) is put before it:
// the client (grpc-js) and the worker's connection (the Rust core) reach the real server over
// mTLS with the options built from config and secret. Temporal Cloud's API key is checked at its
// API boundary: an HTTP/2 server over TLS that records the authorization header each sends.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../client/run-pipeline.js';
import { temporalConnectionOptions } from '../../client/temporal-connection.js';
import type { TributaryConfig } from '../../config/schema.js';
import { STACK, stackConfig } from './stack.js';

const pem = (f: string) => readFileSync(f);
const serverKey = pem(STACK.tls.caFile.replace(/ca\.crt$/, 'server.key'));
const serverCert = pem(STACK.tls.caFile.replace(/ca\.crt$/, 'server.crt'));
const [temporalHost, temporalPort] = STACK.temporal.split(':') as [string, string];

let front: TlsServer;
let frontAddress: string;
let cloud: Http2SecureServer;
let cloudAddress: string;
const seenAuthorization: string[] = [];

const listen = (s: TlsServer | Http2SecureServer) => new Promise<string>((resolve) => s.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(s.address() as AddressInfo).port}`)));

beforeAll(async () => {
  front = createTlsServer({ key: serverKey, cert: serverCert, ca: pem(STACK.tls.caFile), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] }, (tlsSocket) => {
    const upstream = netConnect(Number(temporalPort), temporalHost);
    tlsSocket.pipe(upstream).pipe(tlsSocket);
    const end = () => (tlsSocket.destroy(), upstream.destroy());
    tlsSocket.on('error', end);
    upstream.on('error', end);
  });
  frontAddress = await listen(front);
  // Answers every call with UNAUTHENTICATED after noting the authorization header.
  cloud = createSecureServer({ key: serverKey, cert: serverCert }, (req, res) => {
    seenAuthorization.push(String(req.headers.authorization));
    res.writeHead(200, { 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'test server' });
    res.end();
  });
  cloudAddress = await listen(cloud);
});

afterAll(() => {
  front?.close();
  cloud?.close();
});

function withTemporal(temporal: Record<string, unknown>, secrets: Record<string, unknown> = {}): TributaryConfig {
  const base = stackConfig([]);
  const file = join(mkdtempSync(join(tmpdir(), 'tributary-temporal-tls-')), 'secrets.json');
  writeFileSync(file, JSON.stringify(secrets));
  return { ...base, secrets: { provider: 'file', path: file, ttlSeconds: 60 }, temporal: { ...base.temporal, ...temporal } };
}

describe('Temporal over mTLS (a TLS front before the dev server)', () => {
  it('the client reaches the server with the CA and client certificate from the config', async () => {
    const client = await connectClient(withTemporal({ address: frontAddress, tls: STACK.tls }));
    try {
      const info = await client.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await client.connection.close();
    }
  });

  it('the worker connection (Rust core) reaches it with the certificate as PEM in the secret', async () => {
    const config = withTemporal(
      { address: frontAddress, secret: 'temporal' },
      { temporal: { tlsCa: pem(STACK.tls.caFile).toString(), tlsCert: pem(STACK.tls.certFile).toString(), tlsPrivateKey: pem(STACK.tls.keyFile).toString() } },
    );
    const connection = await NativeConnection.connect(await temporalConnectionOptions(config));
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
    } finally {
      await connection.close();
    }
  });

  it('is refused without a client certificate, and when the server\'s CA is not trusted', async () => {
    await expect(NativeConnection.connect(await temporalConnectionOptions(withTemporal({ address: frontAddress, tls: { caFile: STACK.tls.caFile } })))).rejects.toThrow();
    await expect(NativeConnection.connect(await temporalConnectionOptions(withTemporal({ address: frontAddress, tls: { certFile: STACK.tls.certFile, keyFile: STACK.tls.keyFile } })))).rejects.toThrow();
  });
});

describe('Temporal Cloud API key (at the API boundary)', () => {
  it('client and worker send the secret\'s API key as a bearer token, over TLS', async () => {
    const config = withTemporal({ address: cloudAddress, secret: 'temporal-cloud', tls: { caFile: STACK.tls.caFile } }, { 'temporal-cloud': { apiKey: 'tcld-test-key-0123456789' } });
    const options = await temporalConnectionOptions(config);
    expect(options.tls).toBeDefined();
    seenAuthorization.length = 0;
    await expect(connectClient(config).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
    await expect(NativeConnection.connect(options)).rejects.toThrow();
    expect(seenAuthorization.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seenAuthorization)).toEqual(new Set(['Bearer tcld-test-key-0123456789']));
  });

  it('names the secret and field when the API key is not text', async () => {
    await expect(temporalConnectionOptions(withTemporal({ secret: 't' }, { t: { apiKey: 42 } }))).rejects.toThrow('temporal: field "apiKey" of secret "t" must be non-empty text');
  });
});
