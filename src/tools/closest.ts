/** Edit distance, for suggesting the tool a caller probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

export const closestNames = (name: string, candidates: readonly string[], count = 3) =>
  [...candidates].sort((x, y) => distance(name, x) - distance(name, y) || x.localeCompare(y)).slice(0, count);
