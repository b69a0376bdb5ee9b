// How numbers, money, times and hashes are shown, the same on every page.
export const money = (cents: number) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
export const pct = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)}%`;
export const shortHash = (hash: string | null | undefined) => (hash ? `${hash.slice(0, 12)}…` : '—');
export const shortId = (id: string | null | undefined) => (id ? id.replace(/^([a-z]+-)([0-9a-f]{8})[0-9a-f-]*$/, '$1$2') : '—');

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return seconds >= 0 ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

export const time = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
