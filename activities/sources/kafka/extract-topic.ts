// Consumes exactly one planned offset range of one partition into the stage: mapped rows in one
// gzip file (PostgreSQL's binary COPY format for a PostgreSQL warehouse, typed by the worker so
// the warehouse parses nothing; CSV for Redshift), dead letters (raw bytes and reason) in a CSV.
// Too many dead letters fail the run before anything is written. Returns references and counts
// only.
import type { DialectCapabilities } from '../../specs/capabilities.js';
import type { TopicPipelineConfig } from '../../../config/schema.js';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { kafkaEndpoints } from '../../../config/resolve.js';
import { unitEndpoint } from '../unit-endpoint.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import type { Stage, StagedFile } from '../../stage/stage.js';
import type { StagedTopicBatch, TopicUnit } from '../../types.js';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryTuples } from '../../stage/binary-tuples.js';
import { stagedFileName, type StagedFormat } from '../../stage/staged-format.js';
import { writeBinaryValue, writeEpochMillis } from './binary-values.js';
import { openKafka, type KafkaMessage } from './client.js';
import { CsvBytes, csvFields } from './csv.js';
import { deadLetterLine } from '../dead-letter-line.js';
import { deadLetterRatioError } from '../dead-letter-ratio.js';
import { compileMapping, mapMessage, type TopicMapping } from './map-message.js';
import { mappedColumns, stagedTopicColumns } from './topic-columns.js';

/** A gzip file (CSV or binary COPY) being written to the stage, with backpressure. */
export async function openCsv(stage: Stage, key: string) {
  const writer = await stage.writer(key);
  const gzip: Gzip = createGzip({ level: 1 });
  const done = pipeline(gzip, writer.stream);
  done.catch(() => undefined);
  let rows = 0;
  return {
    async write(text: string | Buffer, n: number): Promise<void> {
      rows += n;
      if (!gzip.write(text)) await Promise.race([once(gzip, 'drain'), done]);
    },
    async commit(): Promise<StagedFile> {
      gzip.end();
      await done;
      return writer.commit(rows);
    },
    async abort(): Promise<void> {
      gzip.destroy();
      await writer.abort();
    },
  };
}

const isoOrNull = (ms: number) => (ms >= 0 && ms <= 8.64e15 ? new Date(ms).toISOString() : null);

/** isoOrNull, remembering the last answer: messages produced together share their timestamp. */
function lastIso() {
  let ms = Number.NaN;
  let iso: string | null = null;
  return (t: number) => {
    if (t !== ms) {
      ms = t;
      iso = isoOrNull(t);
    }
    return iso;
  };
}

/** Mapped rows of one fetched batch, in the staged format; `bytes()` is what the file gets. */
interface RowsBuffer {
  add(values: (string | null)[], m: KafkaMessage, iso: string | null): void;
  bytes(): Buffer;
}

function csvRows(size: number): RowsBuffer {
  const rows = new CsvBytes(size * 192);
  return {
    // The metadata fields (digits, an ISO time or NULL) never need quotes.
    add: (values, m, at) => rows.add(`${csvFields(values)},${m.partition},${m.offset},${at ?? ''}\n`),
    bytes: () => rows.bytes(),
  };
}

function binaryRows(size: number, mapping: TopicMapping): RowsBuffer {
  const rows = new BinaryTuples(size * 160);
  const types = [...mapping.columns.map((c) => c.type), ...(mapping.keepRaw ? (['raw'] as const) : [])];
  const fields = types.length + 3;
  return {
    add(values, m, at) {
      rows.tuple(fields);
      for (let i = 0; i < types.length; i++) writeBinaryValue(rows, values[i]!, types[i]!);
      rows.int32(m.partition);
      rows.int64(m.offset);
      if (at === null) rows.null();
      else writeEpochMillis(rows, m.timestamp);
    },
    bytes: () => rows.bytes(),
  };
}

/** `progress` is called with messages consumed so far (the activity heartbeats with it); `signal` aborts. */
export async function extractTopicUnit(
  deps: ActivityDeps,
  p: TopicPipelineConfig,
  unit: TopicUnit,
  warehouse: DialectCapabilities,
  progress: (messages: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<StagedTopicBatch> {
  const endpoint = unitEndpoint(kafkaEndpoints(deps.config, p.source, unit.region), unit);
  const label = `pipeline ${p.name}, source ${endpoint.id}`;
  const mapping = compileMapping(p, warehouse.arrays);
  const extractedAt = new Date().toISOString();

  // Arrays have no binary writer here: a mapping with one stages CSV, which PostgreSQL parses.
  const format: StagedFormat = warehouse.binaryStage && mapping.columns.every((c) => !c.declared.array) ? 'binary' : 'csv';
  const rowsFile = await openCsv(deps.stage, `${unit.stagePrefix}/${stagedFileName('rows', format)}`);
  if (format === 'binary') await rowsFile.write(BINARY_COPY_HEADER, 0);
  const deadFile = await openCsv(deps.stage, `${unit.stagePrefix}/dead-letters.csv.gz`);
  const hash = createHash('sha256');
  let consumed = 0;
  let loaded = 0;
  let deadLettered = 0;
  let newest = -1;
  let firstDead: { offset: number; field: string | null; detail: string } | null = null;

  const iso = lastIso();
  const take = async (batch: KafkaMessage[]) => {
    const rows = format === 'binary' ? binaryRows(batch.length, mapping) : csvRows(batch.length);
    let dead = '';
    let nRows = 0;
    let nDead = 0;
    for (const m of batch) {
      const mapped = mapMessage(m.value, mapping);
      const at = iso(m.timestamp);
      if (mapped.ok) {
        rows.add(mapped.values, m, at);
        nRows++;
        if (m.timestamp > newest) newest = m.timestamp;
      } else {
        dead += deadLetterLine({ partition: m.partition, offset: m.offset, at, key: m.key, value: m.value, reason: mapped.reason, field: mapped.field, detail: mapped.detail });
        nDead++;
        firstDead ??= { offset: m.offset, field: mapped.field, detail: mapped.detail };
      }
    }
    consumed += batch.length;
    loaded += nRows;
    deadLettered += nDead;
    if (nRows > 0) {
      const bytes = rows.bytes();
      hash.update(bytes);
      await rowsFile.write(bytes, nRows);
    }
    if (nDead > 0) await deadFile.write(dead, nDead);
    progress(consumed);
  };

  try {
    if (unit.to > unit.from) {
      const kafka = await openKafka(endpoint, deps.secrets);
      try {
        await kafka.readRange(unit.topic, unit.partition, unit.from, unit.to, take, signal);
      } catch (err) {
        throw new Error(`${label}: reading ${unit.topic}/${unit.partition} offsets ${unit.from} to ${unit.to - 1} failed: ${(err as Error).message}`, { cause: err });
      } finally {
        await kafka.close().catch(() => undefined);
      }
    }
    if (format === 'binary') await rowsFile.write(BINARY_COPY_TRAILER, 0);
    const tooMany = deadLetterRatioError({ consumed, deadLettered, maxRatio: p.options.maxDeadLetterRatio, first: firstDead, partition: unit.partition, cell: unit.cell, label });
    if (tooMany) throw badInput(tooMany);
  } catch (err) {
    await Promise.all([rowsFile.abort(), deadFile.abort()]);
    throw err;
  }
  const [rowsStaged, deadStaged] = await Promise.all([rowsFile.commit(), deadFile.commit()]);
  const columns = mappedColumns(p);
  return {
    unit,
    columns,
    stagedColumns: stagedTopicColumns(p),
    files: [rowsStaged],
    rows: loaded,
    extractedAt,
    checksum: `sha256:${hash.digest('hex')}`,
    topic: { deadLetterFiles: [deadStaged], consumed, deadLettered, newestTimestamp: newest >= 0 ? isoOrNull(newest) : null },
  };
}
