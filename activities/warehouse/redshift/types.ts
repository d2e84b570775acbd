// PostgreSQL source types -> Redshift column types, as the type map says (types/type-map.ts):
// VARCHAR lengths are bytes in Redshift (characters in PostgreSQL; up to 4 bytes each), at most
// 65535; json, jsonb and arrays become SUPER, bytea VARBYTE, PostGIS types GEOMETRY/GEOGRAPHY;
// what Redshift lacks (uuid, interval, inet, enums, ...) is kept as text.
export { MAX_VARCHAR_BYTES, varchar, type RedshiftType } from '../../../types/type-map.js';
export { redshiftType } from '../../../types/render.js';
import { MAX_VARCHAR_BYTES } from '../../../types/type-map.js';

/** "VARCHAR(200)" / "character varying" + 200 -> 200; null for non-VARCHAR. */
export function declaredVarcharBytes(dataType: string, maxLength: number | null): number | null {
  const t = dataType.toLowerCase();
  if (t !== 'character varying' && t !== 'varchar') return null;
  return maxLength ?? MAX_VARCHAR_BYTES;
}
