import { once } from 'node:events';
import { codecServer } from '../../client/codec-server.js';
import { dataConverterFor } from '../../client/payload-codec.js';
import type { TributaryConfig } from '../../config/schema.js';
import { UsageError } from '../output.js';

/** `tributary codec-server [--host H] [--port N] [--origin URL]`: serves until stopped (SIGINT/SIGTERM). */
export async function serveCodec(config: TributaryConfig, host: string, port: string, origin: string): Promise<number> {
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw new UsageError(`--port: expected a port number, got "${port}"`);
  const codec = (await dataConverterFor(config)).payloadCodecs?.[0];
  if (!codec) throw new UsageError('the config has no temporal.encryption: there is nothing to decode');
  const server = codecServer(codec, [origin]);
  server.listen(Number(port), host);
  await once(server, 'listening');
  console.error(`codec endpoint on http://${host}:${port} (for the Temporal UI at ${origin})`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
  server.close();
  return 0;
}
