/**
 * Reduces a long series for drawing: the points (ordered by x) are cut into buckets, and each bucket keeps its
 * lowest and highest value in x order, plus any non-finite point (so a NaN or an infinity is not hidden).
 * Peaks and dips therefore survive at any zoom-out, unlike plain striding. The first and last points are kept.
 */
export interface SeriesPoints {
  x: Float64Array | number[];
  y: Float64Array | number[];
  step: Float64Array | number[];
}

export function downsampleMinMax(points: SeriesPoints, maxPoints: number): number[] {
  const n = points.x.length;
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
  const keep: number[] = [0];
  const size = (n - 2) / buckets;
  const y = points.y;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * size));
    let lo = -1;
    let hi = -1;
    let odd = -1;
    for (let i = from; i < to; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) {
        if (odd < 0) odd = i;
        continue;
      }
      if (lo < 0 || v < y[lo]) lo = i;
      if (hi < 0 || v > y[hi]) hi = i;
    }
    const picked = [lo, hi, odd].filter((i) => i >= 0).sort((a, b2) => a - b2);
    for (const i of picked) if (keep[keep.length - 1] !== i) keep.push(i);
  }
  if (keep[keep.length - 1] !== n - 1) keep.push(n - 1);
  return keep;
}
