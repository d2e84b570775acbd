// What a warehouse dialect can take, declared by the dialect and read by the code that stages
// and schedules for it, so no part of the house asks which warehouse it is talking to.

export interface DialectCapabilities {
  /** Loads PostgreSQL's binary COPY files (staged-format.ts); CSV only otherwise. */
  binaryStage: boolean;
  /** How array columns are staged: the source's own text form, or JSON (Redshift SUPER loads JSON only). */
  arrays: 'native' | 'json';
  /** Chunks of one source may merge two at a time: the dialect checkpoints only the merged prefix. */
  parallelMerges: boolean;
  /** The stage type the dialect loads from, when it can load from one only (Redshift COPY reads S3). */
  requiredStage: 's3' | null;
}

/** How a dialect's statements bind parameters: $1, $2… in order (PostgreSQL), or :name (the Redshift Data API). */
export type ParamStyle = 'positional' | 'named';
