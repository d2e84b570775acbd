// The SQL of topic merges: target keys (by key and cluster, or by message), quoted identifiers,
// values only as parameters, and an offsets ledger that only moves forward.
import { describe, expect, it } from 'vitest';
import {
  appendSql,
  createTopicTargetSql,
  deleteReplacedByKeySql,
  insertDeadLettersSql,
  topicTargetColumns,
  upsertOffsetSql,
  type TopicMergeSpec,
} from '../../activities/warehouse/postgres/topic-merge-sql.js';

const columns = [
  { name: 'id', type: 'bigint' },
  { name: 'Odd "name"', type: 'text' },
];
const keyed: TopicMergeSpec = { schema: 'analytics', table: 'users', columns, key: ['id'] };
const append: TopicMergeSpec = { ...keyed, table: 'clicks', key: null };

describe('topic merge SQL', () => {
  it('keys an append-only target by cluster, partition and offset, and a keyed one by key and cluster', () => {
    expect(createTopicTargetSql(append)).toContain('PRIMARY KEY ("_source", "kafka_partition", "kafka_offset")');
    expect(createTopicTargetSql(keyed)).toContain('PRIMARY KEY ("id", "_source")');
    expect(topicTargetColumns(append).map((c) => c.name)).toEqual([
      'id',
      'Odd "name"',
      'kafka_partition',
      'kafka_offset',
      'kafka_timestamp',
      '_cell',
      '_source',
      '_region',
      '_batch_id',
      '_extracted_at',
      '_loaded_at',
    ]);
  });

  it('quotes identifiers and takes every value as a parameter', () => {
    const sql = appendSql(append);
    expect(sql).toContain('"Odd ""name"""');
    expect(sql).toMatch(/\$5, \$1, \$2, \$3, \$4::timestamptz, now\(\)/);
    expect(insertDeadLettersSql('state')).toMatch(/SELECT \$1, \$2, \$3, \$4, \$5, .*\$6 FROM "tributary_topic_dead"/s);
  });

  it('orders a key by offset inside its partition, and by timestamp across partitions', () => {
    expect(deleteReplacedByKeySql(keyed)).toMatch(/WHEN t\.kafka_partition = s\.kafka_partition THEN t\.kafka_offset < s\.kafka_offset\s+ELSE coalesce\(t\.kafka_timestamp <= s\.kafka_timestamp, true\)/);
  });

  it('moves a partition’s next offset forward only', () => {
    expect(upsertOffsetSql('state')).toMatch(/ON CONFLICT \(pipeline, region, cell, topic, kafka_partition\)[\s\S]*WHERE o\.next_offset < EXCLUDED\.next_offset$/);
  });
});
