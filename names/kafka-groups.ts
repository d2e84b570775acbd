// The Kafka consumer group a topic pipeline's offsets are also committed to (for Kafka's own
// tools; never read back): "<prefix>-<pipeline>", so a second deployment gets groups of its own.
import { prefixOf, type Deployment } from './deployment.js';

export function consumerGroupId(d: Deployment, pipeline: string): string {
  return `${prefixOf(d)}-${pipeline}`;
}
