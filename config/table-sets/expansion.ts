// What a table set expands to: one pipeline per table, what was left out and why, and which
// tables some regions lack. The types every reader of an expansion shares (plan, apply, the
// workers, status, the managed CDC of a set).
import type { CdcPipelineConfig, DimensionPipelineConfig, FactPipelineConfig } from '../schema.js';
import type { TableShape } from './table-rules.js';

export interface ExpandedTable extends TableShape {
  set: string;
  source: string;
  /** The pipeline's name: "<set>-<schema>-<table>" (pipeline-name.ts). */
  pipeline: string;
  schema: string;
  table: string;
  /** "schema.table" in the warehouse. */
  target: string;
  partitioned: boolean;
  /** Regions whose every server has the table with this shape, in the set's order. */
  regions: string[];
  servers: string[];
  /** The pipeline exactly as if written by hand (defaults filled in by the config schema). */
  config: FactPipelineConfig | DimensionPipelineConfig | CdcPipelineConfig;
}

export interface LeftOut {
  set: string;
  source: string;
  /** "schema.table", or the pattern or override name the message is about. */
  table: string;
  /** Absent: every region. */
  region?: string;
  server?: string;
  reason: string;
}

/** A table some regions of the set have and others do not: shown, not an error. */
export interface AbsentTable {
  table: string;
  region: string;
  servers: string[];
}

export interface SetExpansion {
  set: string;
  source: string;
  regions: string[];
  tables: ExpandedTable[];
  leftOut: LeftOut[];
  absent: AbsentTable[];
}
