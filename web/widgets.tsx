// Small pieces every page uses: a card, a status pill, a bar, an error line, an empty state.
import type { ComponentChildren } from 'preact';
import type { ApiError } from './api.js';

export function Card({ title, actions, children, class: extra = '' }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${extra}`}>
      {(title || actions) && (
        <header class="card-head">
          <h2>{title}</h2>
          <div class="card-actions">{actions}</div>
        </header>
      )}
      {children}
    </section>
  );
}

export const Pill = ({ kind, children }: { kind: string; children: ComponentChildren }) => <span class={`pill pill-${kind}`}>{children}</span>;

export function Bar({ value, soft = 80, label }: { value: number; soft?: number; label?: string }) {
  const level = value >= 100 ? 'over' : value >= soft ? 'warn' : 'ok';
  return (
    <div class="bar" role="meter" aria-valuenow={value} aria-valuemin={0} aria-valuemax={100} aria-label={label}>
      <div class={`bar-fill bar-${level}`} style={{ width: `${Math.min(100, value)}%` }} />
    </div>
  );
}

export const ErrorLine = ({ error }: { error: ApiError | null }) =>
  error ? (
    <p class="error" role="alert">
      <code>{error.code}</code> {error.message}
    </p>
  ) : null;

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;
