// A stand-in for the Datadog agent: a loopback UDP socket that keeps every DogStatsD line it
// receives, for tests that point a worker's statsd exporter at it (port: socket.address().port).
import { createSocket, type Socket } from 'node:dgram';

export async function listenStatsd(lines: string[]): Promise<Socket> {
  const udp = createSocket('udp4');
  udp.on('message', (msg) => lines.push(...msg.toString().split('\n').filter(Boolean)));
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  return udp;
}
