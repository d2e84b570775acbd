// Activities proxied once per source server or Kafka cell, each with that source's fairness key
// (names/task-priority.ts): activity options are fixed per proxy, so a workflow that works on
// several sources needs one proxy each. Proxies are plain objects, so making them is cheap and
// deterministic.
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { activityPriority } from '../names/task-priority.js';

export function fairActivities(options: ActivityOptions, backfill = false): (source: string) => Activities {
  const bySource = new Map<string, Activities>();
  return (source) => {
    let acts = bySource.get(source);
    if (!acts) {
      acts = proxyActivities<Activities>({ ...options, priority: activityPriority(source, backfill) });
      bySource.set(source, acts);
    }
    return acts;
  };
}
