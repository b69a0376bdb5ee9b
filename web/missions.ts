// A mission as the board shows it, and the board's columns in workflow order.
export interface Mission {
  id: string;
  realmId: string;
  directiveId: string | null;
  title: string;
  status: string;
  priority: string;
  assigneeId: string | null;
  createdBy: string;
  requiredCapabilities: string[];
  attempts: number;
  maxAttempts: number | null;
  lastError: string | null;
  leaseExpiresAt: string | null;
  retryAt: string | null;
  version: number;
}

export const columns = ['backlog', 'queued', 'active', 'review', 'blocked', 'failed', 'complete', 'cancelled'] as const;
