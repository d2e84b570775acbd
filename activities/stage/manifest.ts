// The COPY manifest of a staged batch: exactly its files, each mandatory, so a missing file fails
// the load instead of being skipped (Redshift's default is mandatory=false).

export interface ManifestEntry {
  url: string;
  mandatory: true;
  meta: { content_length: number };
}

export interface Manifest {
  entries: ManifestEntry[];
}

/** Bucket names and keys as Tributary writes them: no quotes, backslashes or whitespace (they end up in COPY text). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KEY = /^[A-Za-z0-9!_.*()/:=+,@-]+$/;

export function s3Url(bucket: string, key: string): string {
  if (!BUCKET.test(bucket)) throw new Error(`S3 bucket name "${bucket}" is not a valid bucket name`);
  if (!KEY.test(key)) throw new Error(`S3 key "${key}" has characters a COPY manifest should not carry`);
  return `s3://${bucket}/${key}`;
}

export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`"${url}" is not an s3:// URL`);
  return { bucket: m[1]!, key: m[2]! };
}

export function buildManifest(bucket: string, parts: { key: string; bytes: number }[]): Manifest {
  if (parts.length === 0) throw new Error('a manifest needs at least one file (COPY fails on an empty one)');
  const seen = new Set<string>();
  return {
    entries: parts.map((p) => {
      // "If a file is listed twice, the file is loaded twice."
      if (seen.has(p.key)) throw new Error(`file ${p.key} would be listed twice in one manifest`);
      seen.add(p.key);
      return { url: s3Url(bucket, p.key), mandatory: true, meta: { content_length: p.bytes } };
    }),
  };
}

/** Reads a manifest back, refusing anything that is not ours (optional entries, other shapes). */
export function parseManifest(text: string, where: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${where}: the manifest is not JSON`);
  }
  const entries = (doc as { entries?: unknown }).entries;
  if (!Array.isArray(entries) || entries.length === 0) throw new Error(`${where}: the manifest has no entries`);
  for (const e of entries as Partial<ManifestEntry>[]) {
    if (typeof e.url !== 'string' || e.mandatory !== true || typeof e.meta?.content_length !== 'number') {
      throw new Error(`${where}: every manifest entry needs a url, mandatory: true and meta.content_length`);
    }
    parseS3Url(e.url);
  }
  return doc as Manifest;
}

/** One manifest for a batch of several staged files: their entries, in order. */
export function combineManifests(manifests: Manifest[]): Manifest {
  const entries = manifests.flatMap((m) => m.entries);
  const urls = new Set(entries.map((e) => e.url));
  if (urls.size !== entries.length) throw new Error('a file would be listed twice in the batch manifest');
  return { entries };
}
