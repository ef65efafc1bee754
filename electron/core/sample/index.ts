import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resourcesDir } from '../runtime';
import type { Warehouse } from '../warehouse';

/** Where Lakebench keeps the user's own folders (the sample workspace): LAKEBENCH_HOME or ~/Lakebench. */
export function lakebenchHome(): string {
  return process.env.LAKEBENCH_HOME
    ? path.resolve(process.env.LAKEBENCH_HOME)
    : path.join(os.homedir(), 'Lakebench');
}

// The resources folder is the runtime's; re-exported for callers that still look for it here.
export { resourcesDir } from '../runtime';

/** Copies the sample workspace into the user's Lakebench folder on first start; returns its path. */
export async function prepareSampleWorkspace(home = lakebenchHome()): Promise<string> {
  const target = path.join(home, 'sample');
  if (!existsSync(path.join(target, 'lakebench.yaml'))) {
    await mkdir(home, { recursive: true });
    await cp(path.join(resourcesDir(), 'sample-workspace'), target, {
      recursive: true,
      errorOnExist: false,
      force: false,
    });
  }
  return target;
}

export const SAMPLE_TRIPS_ROWS = 3_000_000;

/**
 * Generates the sample's data locally (never downloaded): a taxi-trips table big enough to feel real.
 * Deterministic, so every new user sees the same numbers.
 */
export async function ensureSampleData(warehouse: Warehouse, rows = SAMPLE_TRIPS_ROWS): Promise<boolean> {
  const existing = await warehouse.queryRows(
    `SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name IN ('trips', 'zones')`,
  );
  if (Number(existing[0]?.n) === 2) return false;
  await warehouse.execute(`
    CREATE OR REPLACE TABLE zones AS
      SELECT zone_id, zone, borough FROM (VALUES
        (1, 'Harbour Front', 'Centre'), (2, 'Old Town', 'Centre'), (3, 'University', 'North'),
        (4, 'Airport', 'East'), (5, 'Central Station', 'Centre'), (6, 'Riverside', 'West'),
        (7, 'Tech Park', 'North'), (8, 'Market Square', 'Centre'), (9, 'Stadium', 'South'),
        (10, 'Hospital', 'West'), (11, 'Docklands', 'East'), (12, 'Hillside', 'South'),
        (13, 'Museum Quarter', 'Centre'), (14, 'Lakeside', 'West'), (15, 'Industrial Estate', 'East'),
        (16, 'Garden District', 'South')
      ) AS z(zone_id, zone, borough);
    CREATE OR REPLACE TABLE trips AS
      WITH base AS (
        SELECT i AS trip_id,
               hash(i) AS h1, hash(i * 7919 + 13) AS h2, hash(i * 104729 + 7) AS h3
          FROM range(${Math.floor(rows)}) t(i)
      ), shaped AS (
        SELECT trip_id,
               TIMESTAMP '2026-01-01' + to_seconds((trip_id * 31536000 // ${Math.floor(rows)})::BIGINT) AS pickup_at,
               1 + (h1 % 16)::INTEGER AS pickup_zone_id,
               1 + (h2 % 16)::INTEGER AS dropoff_zone_id,
               1 + (h3 % 4)::INTEGER AS passengers,
               round(0.5 + ((h1 >> 8) % 3000) / 100.0 * (1 + (h2 % 3)), 2) AS distance_km,
               (h3 >> 16) % 100 AS r
          FROM base
      )
      SELECT trip_id, pickup_at,
             pickup_at + to_seconds((120 + distance_km * 110 + r * 6)::BIGINT) AS dropoff_at,
             pickup_zone_id, dropoff_zone_id, passengers, distance_km,
             round(3.2 + distance_km * 1.85 + passengers * 0.4, 2) AS fare,
             CASE WHEN r < 62 THEN round((3.2 + distance_km * 1.85) * (r % 25) / 100.0, 2) ELSE 0 END AS tip,
             CASE WHEN r < 62 THEN 'card' WHEN r < 93 THEN 'cash' WHEN r < 98 THEN 'app' ELSE 'voucher' END AS payment_type
        FROM shaped
       ORDER BY pickup_at;
  `);
  return true;
}
