// Workgroup grids for 1-D launches: a dimension holds at most maxComputeWorkgroupsPerDimension
// (65535 by default) workgroups, so large launches spread over y, and kernels recover the linear
// index with linear_id() (kernels/lib/types.wgsl).

/** A 1-D launch of `groups` workgroups as [x, y, 1]. */
export function grid1d(groups: number, maxPerDimension = 65535): [number, number, number] {
  if (groups <= maxPerDimension) return [Math.max(groups, 0), 1, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) throw new Error(`a launch of ${groups} workgroups exceeds ${maxPerDimension}² workgroups`);
  return [Math.ceil(groups / y), y, 1];
}

export function ceilDiv(a: number, b: number): number {
  return Math.ceil(a / b);
}
