// Reads one CDC batch (every partition's exact range of a Debezium topic on one cell cluster),
// decodes it, collapses it to one change per key and stages that as one gzip CSV. A delete that
// moves its row to a new key (primary-key change) is staged as op "m": the merge keeps the row
// for the create of the new key, which may come in another partition and a later batch.
// Returns references and counts only.
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import { kafkaEndpoints } from '../../../config/resolve.js';
import { unitEndpoint } from '../unit-endpoint.js';
import type { CdcPipelineConfig } from '../../../config/schema.js';
import type { ActivityDeps } from '../../deps.js';
import { badInput } from '../../errors.js';
import { openKafka, type KafkaMessage } from '../kafka/client.js';
import { csvLine } from '../kafka/csv.js';
import { openCsv } from '../kafka/extract-topic.js';
import type { ColumnSpec } from '../../specs/columns.js';
import type { CdcUnit, StagedCdcBatch } from '../../types.js';
import { batchColumns, declaredCdcColumn } from './cdc-columns.js';
import { CDC_RESERVED, CDC_STAGED_META } from '../../specs/cdc-columns.js';
import { collapseKeys, type Collapsed } from './collapse.js';
import { changeReader, DebeziumDecodeError, type ChangeEvent, type DecodedRecord, type DecodeOptions, type FieldType, type OtherEvent, type ScannedChange } from './decode.js';
import { type Row } from '../../specs/row.js';
import { cutForKeyChanges } from './key-change-cut.js';
import { cdcDeadLetterError, CdcDeadLetters, isUnknownOp, UndecodableWinners, type CdcDeadLetter } from './cdc-dead-letters.js';
import { capturedTable, otherTableReason } from './other-table.js';
import { stageDeadLetters } from './stage-dead-letters.js';
import { snapshotEpochs } from './snapshot-epochs.js';
import { cutAtTruncate, truncatesOf, type TruncateAt } from './truncate-cut.js';

/** The LSN each old key was last moved away at by an applied primary-key change (absent: never). */
export type MovedLsns = (oldKeys: Row[]) => Promise<Map<string, bigint>>;

const NEW_KEY_HEADER = '__debezium.newkey';

const KEY_HEADERS = new Set([NEW_KEY_HEADER, '__debezium.oldkey']);
const KEY_HEADER_LENGTH = NEW_KEY_HEADER.length;
const NO_HEADERS: Record<string, Buffer> = Object.freeze({});

/** Debezium's key-move headers of a message; its other headers (context, on every message) are never read. */
function keyHeaders(headers: KafkaMessage['headers']): Record<string, Buffer> {
  let out = NO_HEADERS;
  for (const [k, v] of headers ?? []) {
    if (k === null || v === null || k.length !== KEY_HEADER_LENGTH) continue;
    const name = k.toString('latin1');
    if (!KEY_HEADERS.has(name)) continue;
    if (out === NO_HEADERS) out = {};
    out[name] = v;
  }
  return out;
}

export function decodeOptions(p: CdcPipelineConfig): DecodeOptions {
  return {
    settings: { decimalHandlingMode: p.options.decimalHandlingMode, timePrecisionMode: p.options.timePrecisionMode, intervalHandlingMode: p.options.intervalHandlingMode },
    ...(p.options.columnTypes ? { columns: p.options.columnTypes } : {}),
    ...(p.options.unavailableValue ? { unavailableValue: p.options.unavailableValue } : {}),
  };
}

/** The staged CSV line of one collapsed change: the row's columns, then _op, _lsn (the version), _source_ts, _missing, _partition. */
export function changeLine(c: Collapsed, columns: readonly ColumnSpec[], moved = false): string {
  // A plain delete needs only its key. A moved row carries what the batch knows of it; what it
  // does not know is read from the warehouse row of its own key (or the one named in missing).
  const values = c.kind === 'delete' && !moved ? c.key : { ...c.row, ...c.key };
  const holders = new Map(c.kind === 'delete' && !moved ? [] : c.missing);
  if (c.kind === 'delete' && moved) for (const col of columns) if (!Object.hasOwn(values, col.name) && !holders.has(col.name)) holders.set(col.name, c.key);
  const missing = holders.size > 0 ? JSON.stringify(Object.fromEntries(holders)) : null;
  const ts = c.sourceTsMs > 0 ? new Date(c.sourceTsMs).toISOString() : null;
  // A streamed change's version may still rise to its partition's epoch in the ledger (snapshot-epochs.ts).
  const partition = c.snapshot ? null : String(c.partition);
  return csvLine([...columns.map((col) => values[col.name] ?? null), c.kind === 'delete' ? (moved ? 'm' : 'd') : 'u', c.version.toString(), ts, missing, partition]);
}

export async function extractCdcUnit(
  deps: ActivityDeps,
  p: CdcPipelineConfig,
  unit: CdcUnit,
  movedLsns: MovedLsns,
  progress: (messages: number) => void = () => undefined,
  signal?: AbortSignal,
  /** Events taken as dead letters without decoding them, by "partition:offset" (an operator's skips, winners that did not decode). */
  exclude: ReadonlyMap<string, CdcDeadLetter> = new Map(),
): Promise<StagedCdcBatch> {
  const cells = kafkaEndpoints(deps.config, p.source, unit.region);
  const endpoint = unitEndpoint(cells, unit);
  const label = `pipeline ${p.name}, source ${endpoint.id}`;
  const extractedAt = new Date().toISOString();
  const reader = changeReader(decodeOptions(p));

  // Read as they arrive, change events only as far as ordering and collapsing need (their rows
  // stay bytes until collapse asks for a winner's): a batch holds at most maxMessagesPerPartition
  // events per partition.
  const decoded: (DecodedRecord | ScannedChange)[] = [];
  /** partition:offset of the deletes that move a row to a new key. */
  const moved = new Set<string>();
  /** Logical decoding messages: skipped, but said. */
  const skipped = new Map<string, { count: number; first: string }>();
  /** Events that cannot be applied: dead letters, or they halt the batch (cdc-dead-letters.ts). */
  const maxRatio = p.options.maxDeadLetterRatio;
  const dead = new CdcDeadLetters(Math.floor(maxRatio * unit.ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0)));
  const table = capturedTable(p.options.capturedFrom);
  let consumed = 0;
  const take = (batch: KafkaMessage[]) => {
    for (const m of batch) {
      const excluded = exclude.size > 0 ? exclude.get(`${m.partition}:${m.offset}`) : undefined;
      if (excluded) {
        dead.add(excluded, m);
        continue;
      }
      const headers = keyHeaders(m.headers);
      let d: DecodedRecord | ScannedChange;
      try {
        const record = { topic: unit.topic, partition: m.partition, offset: BigInt(m.offset), key: m.key, value: m.value, headers };
        d = reader.scan(record) ?? reader.decode(record);
      } catch (err) {
        if (!(err instanceof DebeziumDecodeError)) throw err;
        dead.add({ partition: m.partition, offset: BigInt(m.offset), code: 'undecodable', column: err.column, reason: err.reason }, m);
        continue;
      }
      if (d.kind === 'other' && isUnknownOp(d.op)) {
        dead.add({ partition: d.partition, offset: d.offset, code: 'unknown-op', column: null, reason: `op "${d.op}" is not one this version applies (c, r, u, d, t; m is skipped)` }, m);
        continue;
      }
      const other = d.kind === 'tombstone' || (d.kind === 'other' && d.op !== 't') ? null : otherTableReason(d.source, table);
      if (other !== null) {
        dead.add({ partition: d.partition, offset: d.offset, code: 'other-table', column: null, reason: other }, m);
        continue;
      }
      decoded.push(d);
      if (d.kind === 'other' && d.op !== 't') {
        const seen = skipped.get(d.op);
        if (seen) seen.count++;
        else skipped.set(d.op, { count: 1, first: `${d.partition}:${d.offset}` });
      }
      if ((d.kind === 'change' || d.kind === 'scanned') && d.op === 'd' && headers[NEW_KEY_HEADER] !== undefined) moved.add(`${d.partition}:${d.offset}`);
    }
    consumed += batch.length;
    progress(consumed);
  };
  const todo = unit.ranges.filter((r) => r.to > r.from);
  if (todo.length > 0) {
    const kafka = await openKafka(endpoint, deps.secrets);
    try {
      for (const r of todo) {
        try {
          await kafka.readRange(unit.topic, r.partition, r.from, r.to, take, signal);
        } catch (err) {
          if ((err as { type?: string }).type === 'BadInput') throw err;
          throw new Error(`${label}: reading ${unit.topic}/${r.partition} offsets ${r.from} to ${r.to - 1} failed: ${(err as Error).message}`, { cause: err });
        }
      }
    } finally {
      await kafka.close().catch(() => undefined);
    }
  }

  const haltContext = { pipeline: p.name, region: unit.region, source: endpoint.id, topic: unit.topic, consumed, maxRatio, cell: cells.length > 1 ? unit.cell : null };
  const halt = cdcDeadLetterError(dead, haltContext);
  if (halt) throw badInput(halt);
  for (const [op, { count, first }] of skipped) {
    log.warn('cdc events skipped: not a change Tributary applies', { pipeline: p.name, region: unit.region, source: unit.source, topic: unit.topic, op, count, firstAt: first });
  }

  // A key change whose delete this batch does not reach waits, with the rest of its partition.
  const { records, cuts } = await cutForKeyChanges(decoded, movedLsns);
  const ranges = unit.ranges.map((r) => {
    const cut = cuts.get(r.partition);
    return cut === undefined ? r : { ...r, to: Math.max(r.from, Math.min(r.to, Number(cut))) };
  });
  for (const [partition, offset] of cuts) {
    log.info('partition cut before a primary-key change whose old row has not arrived yet', { pipeline: p.name, source: endpoint.id, topic: unit.topic, partition, offset: offset.toString() });
  }
  // Versions order snapshot reads against streamed changes; the last truncate ends what came before it.
  const epochs = snapshotEpochs(records);
  let truncate: TruncateAt | null = null;
  const truncates = truncatesOf(records);
  if (truncates.length > 0 && p.options.onTruncate === 'fail') {
    const t = truncates[0] as OtherEvent & { lsn: bigint };
    const table = t.source ? `${t.source.schema}.${t.source.table}` : unit.topic;
    throw badInput(`pipeline ${p.name}, region ${unit.region}, source ${endpoint.id}: table ${table} was truncated at the source (${unit.topic}[${t.partition}]@${t.offset}), and the pipeline's onTruncate policy is "fail"`);
  }
  if (truncates.length > 0 && p.options.onTruncate === 'apply') {
    const cut = cutAtTruncate(records, epochs.versionOf);
    records.length = 0;
    records.push(...cut.records);
    truncate = cut.truncate;
  }
  // Keys first (no row is read yet); each winner's row is read as its slice of the staged file is
  // written, so the rows of the whole batch are never held at once.
  const { pending, complete } = collapseKeys(records, reader.rows, epochs.versionOf);
  const keptChanges = records.filter((d): d is ChangeEvent | ScannedChange => d.kind === 'change' || d.kind === 'scanned');
  const schemas = keptChanges.map((e) => e.fields).filter((f): f is FieldType[] => f !== null);
  let columns: ColumnSpec[];
  if (schemas.length > 0) columns = batchColumns(schemas, `${label}, region ${unit.region}, topic ${unit.topic}`);
  // Rendered from the type map (checked when the config was read), never pasted into DDL.
  else if (p.options.columnTypes) columns = Object.entries(p.options.columnTypes).map(([name, type]) => declaredCdcColumn(name, type, p.options.decimalHandlingMode));
  else if (pending.length === 0) columns = [];
  else throw badInput(`${label}: the messages of topic ${unit.topic} carry no JSON schema (value.converter.schemas.enable=false) and the pipeline has no options.columnTypes`);
  const reserved = columns.find((c) => CDC_RESERVED.has(c.name));
  if (reserved) throw badInput(`${label}: source column "${reserved.name}" collides with a column Tributary keeps on CDC targets; rename it or capture another table`);
  const want = [...p.key].sort().join(',');
  const odd = pending.find((c) => Object.keys(c.key).sort().join(',') !== want);
  if (odd) throw badInput(`${label}: a message key of topic ${unit.topic} has columns (${Object.keys(odd.key).join(', ')}), but the pipeline's key is (${p.key.join(', ')})`);

  const events = keptChanges.length;
  const newest = keptChanges.reduce((m, e) => Math.max(m, e.sourceTsMs), 0);
  // Past this point only the winners are needed (and what their rows depend on): the other events
  // of the batch can go.
  decoded.length = 0;
  records.length = 0;
  keptChanges.length = 0;
  schemas.length = 0;

  const file = await openCsv(deps.stage, `${unit.stagePrefix}/changes.csv.gz`);
  const hash = createHash('sha256');
  // A winner's row decodes only here: the batch is read again without it (UndecodableWinners).
  const undecodable: CdcDeadLetter[] = [];
  try {
    const CHUNK = 5_000;
    for (let i = 0; i < pending.length; i += CHUNK) {
      const part = pending.slice(i, i + CHUNK);
      let text = '';
      for (const c of part) {
        try {
          text += changeLine(complete(c), columns, c.kind === 'delete' && moved.has(`${c.partition}:${c.offset}`));
        } catch (err) {
          if (!(err instanceof DebeziumDecodeError)) throw err;
          undecodable.push({ partition: err.position.partition, offset: err.position.offset, code: 'undecodable', column: err.column, reason: err.reason });
        }
      }
      if (undecodable.length > 0) continue;
      hash.update(text);
      await file.write(text, part.length);
    }
    if (undecodable.length > 0) throw new UndecodableWinners(undecodable, haltContext);
  } catch (err) {
    await file.abort();
    throw err;
  }
  const staged = await file.commit();
  const deadLines = dead.lines(ranges);
  const deadLetters = deadLines.length > 0 ? { files: [await stageDeadLetters(deps, unit, deadLines)], count: deadLines.length } : undefined;
  const deletes = pending.filter((c) => c.kind === 'delete').length;
  return {
    unit,
    columns,
    stagedColumns: [...columns, ...CDC_STAGED_META],
    files: [staged],
    rows: pending.length,
    extractedAt,
    checksum: `sha256:${hash.digest('hex')}`,
    cdc: {
      ranges,
      events,
      upserts: pending.length - deletes,
      deletes,
      newestSourceTsMs: newest > 0 ? newest : null,
      snapshots: {
        epochs: [...epochs.raised].map(([partition, lsn]) => ({ partition, lsn: lsn.toString() })),
        marks: epochs.marks.map((m) => ({ mark: m.mark, lsn: m.lsn.toString(), partition: m.partition })),
      },
      truncate: truncate && { partition: truncate.partition, version: truncate.version.toString() },
      ...(deadLetters ? { deadLetters } : {}),
    },
  };
}
