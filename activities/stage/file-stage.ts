// The embedded default stage: a folder. Files are written under a temporary name and renamed
// when complete, so a worker killed mid-write never leaves a file that looks whole.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { finished } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import type { Stage, StageWriter } from './stage.js';

export class FileStage implements Stage {
  constructor(private readonly root: string) {}

  get describe(): string {
    return `file stage ${this.root}`;
  }

  private path(key: string): string {
    const p = resolve(this.root, key);
    if (!p.startsWith(resolve(this.root) + sep)) throw new Error(`stage key "${key}" escapes the stage folder`);
    return p;
  }

  async writer(key: string): Promise<StageWriter> {
    const final = this.path(key);
    await mkdir(dirname(final), { recursive: true });
    const temp = `${final}.${randomUUID()}.partial`;
    const stream = createWriteStream(temp);
    return {
      stream,
      async commit(rows) {
        if (!stream.writableFinished) await finished(stream);
        await rename(temp, final);
        return { key, rows, bytes: (await stat(final)).size };
      },
      async abort() {
        stream.destroy();
        await rm(temp, { force: true });
      },
    };
  }

  reader(key: string) {
    return createReadStream(this.path(key));
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix);
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (!e.name.endsWith('.partial')) out.push(relative(this.root, p).split(sep).join('/'));
      }
    };
    await walk(base);
    return out.sort();
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}
