import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTOR_TYPES, CASE_TYPES, DISPUTE_REASONS, DISPUTE_STATUSES, EVIDENCE_KINDS, PACK_SECTIONS, RESPONSIBILITIES } from '../../src/modules/evidence/evidence.dto.js';
import { CHANNELS, PRIORITIES, TICKET_STATUSES } from '../../src/modules/helpdesk/helpdesk.dto.js';
import { DELIVERY_STATUSES, ORDER_STATUSES, RETURN_STATUSES, RETURN_TYPES } from '../../src/modules/orders/orders.dto.js';
import { LEDGER_STATUSES, PROGRAMME_KINDS, SEGMENTS } from '../../src/modules/coupons/coupons.dto.js';
import { FEEDBACK_KINDS, FEEDBACK_STATUSES, SOURCE_TYPES } from '../../src/modules/analytics/analytics.dto.js';
import { NOTIFICATION_KINDS } from '../../src/modules/notifications/notifications.dto.js';
import { GRADES } from '../../src/modules/returns/returns.dto.js';

// Every value the API can return in a field the UI labels through `t(\`prefix.${value}\`)`
// needs a label in both UI languages; a missing one shows a raw key and a console warning.
const LABELS: Array<[feature: string, prefix: string, values: readonly string[]]> = [
  ['evidence', 'caseTypes', CASE_TYPES],
  ['evidence', 'actors', ACTOR_TYPES],
  ['evidence', 'responsibility', RESPONSIBILITIES],
  ['evidence', 'kinds', EVIDENCE_KINDS],
  ['evidence', 'sections', PACK_SECTIONS],
  ['evidence', 'reasons', DISPUTE_REASONS],
  ['records', 'dispute.status', DISPUTE_STATUSES],
  ['inbox', 'channels', CHANNELS],
  ['inbox', 'statuses', TICKET_STATUSES],
  ['inbox', 'priorities', PRIORITIES],
  ['inbox', 'orderStatuses', ORDER_STATUSES],
  ['inbox', 'deliveryStatuses', DELIVERY_STATUSES],
  ['inbox', 'returnStatuses', RETURN_STATUSES],
  ['inbox', 'returnTypes', RETURN_TYPES],
  ['records', 'ticketStatus', TICKET_STATUSES],
  ['records', 'orderStatus', ORDER_STATUSES],
  ['records', 'platformStatus', RETURN_STATUSES],
  ['settings', 'sla.channels', CHANNELS],
  ['coupons', 'status', LEDGER_STATUSES],
  ['coupons', 'kind', PROGRAMME_KINDS],
  ['coupons', 'segment', SEGMENTS],
  ['analytics', 'kinds', FEEDBACK_KINDS],
  ['analytics', 'taskStatus', FEEDBACK_STATUSES],
  ['analytics', 'sourceTypes', SOURCE_TYPES],
  ['notifications', 'kinds', NOTIFICATION_KINDS],
  ['returns', 'grades', GRADES],
];

function at(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('labels for every value the API returns', () => {
  for (const lang of ['en', 'zh-CN']) {
    it(`exist in ${lang}`, () => {
      const missing: string[] = [];
      for (const [feature, prefix, values] of LABELS) {
        const file = path.join('src/web/src/features', feature, 'locales', `${lang}.json`);
        const texts = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
        for (const v of values) {
          const label = at(texts, `${prefix}.${v}`);
          if (typeof label !== 'string' || label.trim() === '') missing.push(`${feature}:${prefix}.${v}`);
        }
      }
      expect(missing).toEqual([]);
    });
  }
});
