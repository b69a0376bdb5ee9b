import { z } from 'zod';
import { setBudget } from '../domain/ledger/budget.js';
import { CheckBudget, RecordSpend, SetBudget, Summarise } from '../domain/ledger/inputs.js';
import { Budget, Check, Spend, Summary } from '../domain/ledger/model.js';
import { ledgerCheck, ledgerSummary } from '../domain/ledger/queries.js';
import { recordSpend } from '../domain/ledger/spend.js';
import { declare } from './declaration.js';
import { statedAs } from './wire-schema.js';

export const ledgerFunctions = [
  declare({
    id: 'ledger::set_budget',
    title: 'Set budget',
    description:
      'Set the monthly budget (whole cents) of the realm, or of one agent with agentId. Upsert: omitted fields keep ' +
      'their value; defaults softThreshold 0.8 and hardLimit true. Both the agent\'s and the realm\'s budget count. ' +
      'Setting a budget re-arms its alerts. Returns the budget.',
    errors: {
      not_found: true,
      conflict: true,
      realm_suspended: true,
    },
    input: SetBudget,
    output: Budget,
    rest: { method: 'POST', path: '/api/ledger/budget' },
    permission: 'control_plane:budgets:write',
    run: (input, ctx) => setBudget(ctx, input),
  }),
  declare({
    id: 'ledger::check',
    title: 'Check budget',
    description:
      'Ask whether an agent may spend (optionally costCents more) this calendar month (UTC): checks the agent\'s and ' +
      'the realm\'s budget. Returns the verdict for the denying scope, else the fuller one (none without budgets), ' +
      'and each scope\'s check.',
    errors: { not_found: true },
    input: CheckBudget,
    output: Check,
    rest: { method: 'GET', path: '/api/ledger/check/:realmId/:agentId' },
    permission: 'control_plane:budgets:read',
    actsAs: ['agentId'],
    run: (input, ctx) => ledgerCheck(ctx, input),
  }),
  declare({
    id: 'ledger::spend',
    title: 'Record spend',
    description:
      'Record a cost that happened (model tokens, API calls), in cents with up to 4 decimals. Always recorded, even ' +
      'past a limit; the same agent\'s repeated eventId returns the first record. Crossing the soft threshold or the limit raises an ' +
      'alert once; past a hard limit the agent cannot check out missions until the budget is raised or the month ' +
      'ends. Returns {spend, check}.',
    errors: { not_found: true, conflict: "the eventId already names another agent's spend" },
    input: RecordSpend,
    output: z.object({
      spend: Spend,
      // tools/list gives the check's shape once, in ledger_check's output schema.
      check: statedAs(Check, 'The budget check after this spend.', 'ledger_check'),
    }),
    rest: { method: 'POST', path: '/api/ledger/spend' },
    permission: 'control_plane:spend:write',
    idempotent: true,
    actsAs: ['agentId'],
    run: (input, ctx) => recordSpend(ctx, input),
  }),
  declare({
    id: 'ledger::summary',
    title: 'Spend summary',
    description:
      'Total spend and tokens over a window (default: this month, UTC), broken down by agent, model, provider, ' +
      'billing_code or mission, largest first. Returns {since, until, groupBy, totalCents, totalInputTokens, ' +
      'totalOutputTokens, eventCount, breakdown: [{key, cents, inputTokens, outputTokens, events}]}.',
    errors: { not_found: true },
    input: Summarise,
    output: Summary,
    rest: { method: 'GET', path: '/api/ledger/summary/:realmId' },
    permission: 'control_plane:spend:read',
    run: (input, ctx) => ledgerSummary(ctx, input),
  }),
];
