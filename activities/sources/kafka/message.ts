// One Kafka record as our consumers hand it on: the client produces it, fetched-records slices it.

export interface KafkaMessage {
  partition: number;
  offset: number;
  /** Milliseconds since the epoch (create or log-append time, as the topic keeps it). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Record headers as on the wire (CDC reads Debezium's __debezium.oldkey / newkey). */
  headers?: [Buffer | null, Buffer | null][];
}
