// Pure: the SQL of a capture's publication and Debezium's signal table, and what must change to
// bring a publication to the tables wanted. Identifiers are quoted, never pasted.
import pg from 'pg';
import { SIGNAL_SCHEMA, SIGNAL_TABLE } from '../../names/managed-cdc.js';

const { escapeIdentifier: ident } = pg;

/** "schema.table" quoted. */
export function qualified(t: string): string {
  const dot = t.indexOf('.');
  return `${ident(t.slice(0, dot))}.${ident(t.slice(dot + 1))}`;
}

export const SIGNAL = `${SIGNAL_SCHEMA}.${SIGNAL_TABLE}`;

/** What the catalog says of a publication. */
export interface PublicationFacts {
  allTables: boolean;
  /** Publishes inserts, updates, deletes and truncates. */
  publishesAll: boolean;
  viaRoot: boolean;
  /** Its tables as "schema.table". */
  tables: string[];
}

export interface PublicationPlan {
  create: boolean;
  add: string[];
  drop: string[];
  /** Publish every operation (truncates too) via partition roots. */
  setOptions: boolean;
}

/** From what is there to what is wanted (the captured tables and the signal table). */
export function planPublication(have: PublicationFacts | undefined, want: readonly string[]): PublicationPlan {
  if (!have) return { create: true, add: [...want], drop: [], setOptions: false };
  if (have.allTables) return { create: false, add: [], drop: [], setOptions: !have.publishesAll || !have.viaRoot };
  const there = new Set(have.tables);
  const wanted = new Set(want);
  return {
    create: false,
    add: want.filter((t) => !there.has(t)),
    drop: have.tables.filter((t) => !wanted.has(t)).sort(),
    setOptions: !have.publishesAll || !have.viaRoot,
  };
}

export function isNoop(p: PublicationPlan): boolean {
  return !p.create && p.add.length === 0 && p.drop.length === 0 && !p.setOptions;
}

const OPTIONS = "publish = 'insert, update, delete, truncate', publish_via_partition_root = true";

/** The statements that carry out a plan (for the owner to run, or to show when Tributary may not). */
export function publicationStatements(name: string, p: PublicationPlan): string[] {
  const pub = ident(name);
  if (p.create) return [`CREATE PUBLICATION ${pub} FOR TABLE ${p.add.map(qualified).join(', ')} WITH (${OPTIONS})`];
  return [
    ...(p.add.length ? [`ALTER PUBLICATION ${pub} ADD TABLE ${p.add.map(qualified).join(', ')}`] : []),
    ...(p.drop.length ? [`ALTER PUBLICATION ${pub} DROP TABLE ${p.drop.map(qualified).join(', ')}`] : []),
    ...(p.setOptions ? [`ALTER PUBLICATION ${pub} SET (${OPTIONS})`] : []),
  ];
}

export function dropPublicationStatement(name: string): string {
  return `DROP PUBLICATION IF EXISTS ${ident(name)}`;
}

/** Debezium's signal table, readable and writable by the connector's role (incremental snapshots write window marks). */
export function signalTableStatements(cdcRole: string): string[] {
  const schema = ident(SIGNAL_SCHEMA);
  const table = `${schema}.${ident(SIGNAL_TABLE)}`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${schema}`,
    `CREATE TABLE IF NOT EXISTS ${table} (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`,
    `GRANT USAGE ON SCHEMA ${schema} TO ${ident(cdcRole)}`,
    `GRANT SELECT, INSERT ON ${table} TO ${ident(cdcRole)}`,
  ];
}

/** The publication's facts, or no row when there is none. $1: its name. */
export const PUBLICATION_FACTS_SQL = `
SELECT p.puballtables AS all_tables,
       (p.pubinsert AND p.pubupdate AND p.pubdelete AND p.pubtruncate) AS publishes_all,
       p.pubviaroot AS via_root,
       coalesce((SELECT array_agg(n.nspname || '.' || c.relname ORDER BY n.nspname, c.relname)
                   FROM pg_publication_rel r JOIN pg_class c ON c.oid = r.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE r.prpubid = p.oid), '{}') AS tables
  FROM pg_publication p WHERE p.pubname = $1`;

/**
 * Per table asked for ($1 schemas, $2 tables): whether it exists, its primary key's columns in
 * order, and whether it is a partition (captured through its parent).
 */
export const TABLE_FACTS_SQL = `
SELECT w.schema, w.tbl AS table, c.oid IS NOT NULL AS present, coalesce(c.relispartition, false) AS is_partition,
       (SELECT array_agg(a.attname::text ORDER BY k.ord)
          FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
         WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key
  FROM unnest($1::text[], $2::text[]) AS w(schema, tbl)
  LEFT JOIN pg_namespace n ON n.nspname = w.schema
  LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tbl AND c.relkind IN ('r', 'p')`;

/** Whether the signal table is there and the connector's role may read and write it. $1: the role. */
export const SIGNAL_FACTS_SQL = `
SELECT to_regclass('${SIGNAL}') IS NOT NULL AS present,
       CASE WHEN to_regclass('${SIGNAL}') IS NULL THEN false
            ELSE has_table_privilege($1, '${SIGNAL}', 'SELECT') AND has_table_privilege($1, '${SIGNAL}', 'INSERT') END AS writable`;

/** A key declared in the config against the table's primary key: a problem, or undefined. */
export function keyProblem(table: string, declared: readonly string[], primaryKey: readonly string[] | null): string | undefined {
  if (primaryKey === null || primaryKey.length === 0) {
    return `table ${table} has no primary key: Debezium's events would carry no key (give it one, or leave it out of the capture)`;
  }
  const same = declared.length === primaryKey.length && declared.every((k) => primaryKey.includes(k));
  return same ? undefined : `key [${declared.join(', ')}] of table ${table} is not its primary key [${primaryKey.join(', ')}], which Debezium's events are keyed by`;
}
