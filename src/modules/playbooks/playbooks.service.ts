import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import type { Database, Executor } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import { enqueue } from '../../platform/outbox/outbox.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { userIn } from '../auth/index.js';
import type { EvidenceInput, RecordEvidence } from '../evidence/index.js';
import { assignArm } from '../experiments/index.js';
import { latestTicketOfOrders, ticketProblemFacts } from '../helpdesk/index.js';
import { buyerPlatformIds, buyerShopFacts, orderOutcomes, ordersForProductTrigger, productsSold } from '../orders/index.js';
import type { OutreachService } from '../outreach/index.js';
import { remediesRelated, type ProblemCategory } from '../remedies/index.js';
import { MARKET_DEFAULTS, shopIn } from '../tenancy/index.js';
import type {
  CreateNotice,
  NoticeReportView,
  NoticeRunView,
  NoticeView,
  ProcedureVersionView,
  ProcedureView,
  RunProcedure,
  RunView,
  SaveProcedure,
  TicketProcedureView,
  UpdateNotice,
} from './playbooks.dto.js';
import { applyRunAction, chooseCategory, escalationDue, noticeAnchor, noticeDueAt, noticeEffect, noticeKey, noticeScanWindow, noticeState, noticeText, rate } from './playbooks.rules.js';
import { noticeSends, notices, procedureRuns, procedureVersions, procedures, type ProcedureContent, type RunLogEntry } from './playbooks.schema.js';
import { DEFAULT_PROCEDURES } from './playbooks.seed.js';

/** The outbox handler (registered by the TikTok integration) that sends a notice as a chat text. */
export const SEND_NOTICE_HANDLER = 'tiktok.send_notice';

const LEADS = ['owner', 'supervisor'] as const;
const DESK = ['owner', 'supervisor', 'agent'] as const;

export interface PlaybooksDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
}

export interface PlaybooksPorts {
  outreach: OutreachService;
  recordEvidence: RecordEvidence;
  /** Is the shop connected, and may the app use the customer-service API (chat) for it? */
  reach(orgId: string, shopId: string): Promise<{ connected: boolean; chatScope: boolean }>;
}

type ProcedureRow = typeof procedures.$inferSelect;
type RunRow = typeof procedureRuns.$inferSelect;
type NoticeRow = typeof notices.$inferSelect;

const contentOf = (p: ProcedureRow): ProcedureContent => ({ title: p.title, steps: p.steps, remedyTier: p.remedyTier, escalateWhen: p.escalateWhen, escalateAfterHours: p.escalateAfterHours, active: p.active });

function procedureView(p: ProcedureRow, updatedByName: string | null): ProcedureView {
  return {
    id: p.id,
    category: p.category,
    version: p.version,
    title: p.title,
    steps: p.steps.map((s) => ({ title: s.title, detail: s.detail ?? null, checks: s.checks ?? [] })),
    remedyTier: p.remedyTier,
    escalateWhen: p.escalateWhen,
    escalateAfterHours: p.escalateAfterHours,
    active: p.active,
    updatedBy: p.updatedBy,
    updatedByName,
    updatedAt: p.updatedAt.toISOString(),
  };
}

function runView(r: RunRow): RunView {
  return { id: r.id, category: r.category, version: r.version, step: r.step, checked: r.checked, log: r.log, completedAt: r.completedAt?.toISOString() ?? null, startedAt: r.createdAt.toISOString() };
}

export function noticeView(n: NoticeRow): NoticeView {
  return { id: n.id, shopId: n.shopId, productId: n.productId, productName: n.productName, trigger: n.trigger, delayHours: n.delayHours, texts: n.texts, holdoutPercent: n.holdoutPercent, active: n.active, startsAt: n.startsAt.toISOString(), updatedAt: n.updatedAt.toISOString() };
}

/**
 * Playbooks: standard procedures per problem category (versioned, walked through per ticket) and
 * proactive notices per product (planned by a job through the contact policy and the outbox, once
 * per order, with a hold-out that measures their effect).
 */
export function createPlaybooksService(deps: PlaybooksDeps, ports: PlaybooksPorts) {
  const { db, ids, clock } = deps;
  const authorOf = (actor: Actor) => (actor.userId === 'system' ? null : actor.userId);

  async function nameOf(tx: Executor, orgId: string, userId: string | null): Promise<string | null> {
    return userId ? ((await userIn(tx, orgId, userId))?.name ?? null) : null;
  }

  async function procedureOf(tx: Executor, orgId: string, category: ProblemCategory): Promise<ProcedureRow | null> {
    const [p] = await tx.select().from(procedures).where(and(eq(procedures.orgId, orgId), eq(procedures.category, category)));
    return p ?? null;
  }

  async function writeProcedure(tx: Executor, actor: Actor, category: ProblemCategory, c: ProcedureContent): Promise<ProcedureRow> {
    const now = clock.now();
    const cur = await procedureOf(tx, actor.orgId, category);
    let row: ProcedureRow;
    if (cur) {
      [row] = (await tx
        .update(procedures)
        .set({ ...c, version: cur.version + 1, updatedBy: authorOf(actor), updatedAt: now })
        .where(and(eq(procedures.orgId, actor.orgId), eq(procedures.id, cur.id)))
        .returning()) as [ProcedureRow];
    } else {
      [row] = (await tx
        .insert(procedures)
        .values({ orgId: actor.orgId, id: ids('prc'), category, version: 1, ...c, updatedBy: authorOf(actor), createdAt: now, updatedAt: now })
        .returning()) as [ProcedureRow];
    }
    await tx.insert(procedureVersions).values({ orgId: actor.orgId, procedureId: row.id, version: row.version, content: contentOf(row), authorUserId: authorOf(actor), createdAt: now });
    return row;
  }

  /** The ticket's category and procedure, and the agent's run on it when there is one. */
  async function ticketProcedureIn(tx: Executor, actor: Actor, ticketId: string, chosen?: ProblemCategory): Promise<{ view: TicketProcedureView; facts: { shopId: string } }> {
    const facts = await ticketProblemFacts(tx, actor.orgId, ticketId);
    if (!facts) throw AppError.notFound('ticket', ticketId);
    const [latestRun] = await tx
      .select()
      .from(procedureRuns)
      .where(and(eq(procedureRuns.orgId, actor.orgId), eq(procedureRuns.ticketId, ticketId)))
      .orderBy(desc(procedureRuns.updatedAt), desc(procedureRuns.id))
      .limit(1);
    const remedy = facts.orderId ? (await remediesRelated(tx, actor.orgId, { orderId: facts.orderId })).find((r) => r.ticketId === ticketId) : undefined;
    const { category, source } = chooseCategory({ chosen, runCategory: latestRun?.category ?? null, remedyCategory: (remedy?.category as ProblemCategory | undefined) ?? null, text: `${facts.subject ?? ''}\n${facts.buyerText}` });
    const p = await procedureOf(tx, actor.orgId, category);
    const procedure = p && p.active ? p : null;
    const [run] = procedure ? await tx.select().from(procedureRuns).where(and(eq(procedureRuns.orgId, actor.orgId), eq(procedureRuns.ticketId, ticketId), eq(procedureRuns.procedureId, procedure.id))) : [];
    const status = facts.status;
    return {
      facts,
      view: {
        category,
        source,
        procedure: procedure ? procedureView(procedure, await nameOf(tx, actor.orgId, procedure.updatedBy)) : null,
        run: run ? runView(run) : null,
        outdated: !!run && !!procedure && run.version !== procedure.version,
        escalateNow: !!procedure && escalationDue(run?.createdAt ?? null, procedure.escalateAfterHours, !['solved', 'closed'].includes(status) && !run?.completedAt, clock.now()),
      },
    };
  }

  async function loadNotice(tx: Executor, orgId: string, id: string): Promise<NoticeRow> {
    const [n] = await tx.select().from(notices).where(and(eq(notices.orgId, orgId), eq(notices.id, id)));
    if (!n) throw AppError.notFound('notice', id);
    return n;
  }

  function evidenceFor(orgId: string, buyerId: string | null, sendId: string, summary: string, data: Record<string, unknown>): EvidenceInput {
    return { orgId, caseId: buyerId ?? sendId, caseType: 'buyer', kind: 'message', actor: { type: 'system' }, occurredAt: clock.now(), summary, data: { noticeSendId: sendId, ...data } };
  }

  /** Find new orders for one notice and plan the due ones; all in one transaction. */
  async function runNoticeIn(tx: Executor, n: NoticeRow, out: NoticeRunView): Promise<void> {
    const now = clock.now();
    const orgId = n.orgId;
    const { since, until } = noticeScanWindow(now, n.startsAt, n.delayHours);
    const found = await ordersForProductTrigger(tx, orgId, { shopId: n.shopId, productId: n.productId, trigger: n.trigger, since, until, limit: 2000 });
    if (found.length) {
      const anchors = found.map((f) => noticeAnchor(n.trigger, f.anchorAt, now));
      const inserted = await tx
        .insert(noticeSends)
        .values(
          found.map((f, i) => ({
            orgId,
            id: ids('nts'),
            noticeId: n.id,
            shopId: n.shopId,
            orderId: f.orderId,
            buyerId: f.buyerId,
            arm: assignArm(n.id, f.orderId, n.holdoutPercent),
            status: 'waiting' as const,
            anchorAt: anchors[i]!,
            dueAt: noticeDueAt(anchors[i]!, n.delayHours),
            reasons: [],
            createdAt: now,
            updatedAt: now,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: noticeSends.id });
      out.found += inserted.length;
    }
    const due = await tx
      .select()
      .from(noticeSends)
      .where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.noticeId, n.id), eq(noticeSends.status, 'waiting'), lte(noticeSends.dueAt, now)))
      .orderBy(asc(noticeSends.dueAt), asc(noticeSends.id))
      .limit(500)
      .for('update', { skipLocked: true });
    if (!due.length) return;
    const shop = await shopIn(tx, orgId, n.shopId);
    const reach = await ports.reach(orgId, n.shopId);
    const buyerIds = [...new Set(due.map((d) => d.buyerId).filter((b): b is string => !!b))];
    // One after the other on the transaction's one connection.
    const langs = await buyerPlatformIds(tx, orgId, buyerIds);
    const facts = await buyerShopFacts(tx, orgId, n.shopId, buyerIds, now);
    const set = (id: string, v: Partial<typeof noticeSends.$inferInsert>) => tx.update(noticeSends).set({ ...v, updatedAt: now }).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.id, id)));
    for (const d of due) {
      if (noticeState(d.dueAt, now) === 'stale') {
        await set(d.id, { status: 'refused', reasons: ['stale'] });
        out.refused++;
        continue;
      }
      if (d.arm === 'holdout') {
        await set(d.id, { status: 'held_out' });
        out.heldOut++;
        continue;
      }
      if (!d.buyerId) {
        await set(d.id, { status: 'refused', reasons: ['no_buyer'] });
        out.refused++;
        continue;
      }
      const country = facts.get(d.buyerId)?.country ?? null;
      const zone = (country && MARKET_DEFAULTS[country === 'UK' ? 'GB' : country]?.timeZone) || shop.timeZone;
      const decision = await ports.outreach.decideIn(tx, { orgId, shopId: n.shopId, buyerId: d.buyerId, purpose: 'service', channel: 'tiktok_chat', zone, reach: { noChatScope: !reach.connected || !reach.chatScope }, at: now });
      if (!decision.allowed && !decision.notBefore) {
        await set(d.id, { status: 'refused', reasons: decision.reasons });
        out.refused++;
        continue;
      }
      const sendAt = decision.notBefore && decision.notBefore > now ? decision.notBefore : now;
      const { language, text } = noticeText(n.texts, langs.get(d.buyerId)?.language);
      const { row: step } = await enqueue(
        tx,
        { orgId, handler: SEND_NOTICE_HANDLER, idempotencyKey: noticeKey(n.id, d.orderId), payload: { shopId: n.shopId, buyerId: d.buyerId, sendId: d.id, text }, subjectType: 'notice_send', subjectId: d.id, maxAttempts: 100, notBefore: sendAt },
        { ids, clock },
      );
      await set(d.id, { status: 'planned', language, outboxId: step.id, reasons: decision.reasons });
      await ports.outreach.recordIn(tx, { orgId, shopId: n.shopId, buyerId: d.buyerId, purpose: 'service', channel: 'tiktok_chat', source: `notices:${n.id}`, at: sendAt });
      await ports.recordEvidence(tx, evidenceFor(orgId, d.buyerId, d.id, `Proactive notice about ${n.productName} planned for order ${d.orderId}`, { noticeId: n.id, orderId: d.orderId, language, text, sendAt: sendAt.toISOString() }));
      if (sendAt > now) out.deferred++;
      out.planned++;
    }
  }

  const service = {
    // ---------- procedures ----------
    async listProcedures(actor: Actor): Promise<ProcedureView[]> {
      requireRole(actor, DESK, 'reading procedures');
      return db.tenant(actor.orgId, async (tx) => {
        const rows = await tx.select().from(procedures).where(eq(procedures.orgId, actor.orgId)).orderBy(asc(procedures.category));
        const out: ProcedureView[] = [];
        for (const r of rows) out.push(procedureView(r, await nameOf(tx, actor.orgId, r.updatedBy)));
        return out;
      });
    },

    async saveProcedure(actor: Actor, category: ProblemCategory, input: SaveProcedure): Promise<ProcedureView> {
      requireRole(actor, LEADS, 'changing procedures');
      return db.tenant(actor.orgId, async (tx) => {
        const row = await writeProcedure(tx, actor, category, { title: input.title, steps: input.steps, remedyTier: input.remedyTier, escalateWhen: input.escalateWhen, escalateAfterHours: input.escalateAfterHours ?? null, active: input.active });
        return procedureView(row, await nameOf(tx, actor.orgId, row.updatedBy));
      });
    },

    async listProcedureVersions(actor: Actor, category: ProblemCategory): Promise<ProcedureVersionView[]> {
      requireRole(actor, LEADS, 'reading procedure history');
      return db.tenant(actor.orgId, async (tx) => {
        const p = await procedureOf(tx, actor.orgId, category);
        if (!p) throw AppError.notFound('procedure', category);
        const rows = await tx.select().from(procedureVersions).where(and(eq(procedureVersions.orgId, actor.orgId), eq(procedureVersions.procedureId, p.id))).orderBy(desc(procedureVersions.version)).limit(200);
        const out: ProcedureVersionView[] = [];
        for (const v of rows) out.push({ version: v.version, title: v.content.title, stepCount: v.content.steps.length, remedyTier: v.content.remedyTier, active: v.content.active, authorUserId: v.authorUserId, authorName: await nameOf(tx, actor.orgId, v.authorUserId), createdAt: v.createdAt.toISOString() });
        return out;
      });
    },

    async restoreProcedure(actor: Actor, category: ProblemCategory, version: number): Promise<ProcedureView> {
      requireRole(actor, LEADS, 'changing procedures');
      return db.tenant(actor.orgId, async (tx) => {
        const p = await procedureOf(tx, actor.orgId, category);
        if (!p) throw AppError.notFound('procedure', category);
        const [v] = await tx.select().from(procedureVersions).where(and(eq(procedureVersions.orgId, actor.orgId), eq(procedureVersions.procedureId, p.id), eq(procedureVersions.version, version)));
        if (!v) throw AppError.validation('procedures.unknown_version', `The ${category} procedure has no version ${version}`, [{ field: 'version', message: 'no such version' }]);
        const row = await writeProcedure(tx, actor, category, v.content);
        return procedureView(row, await nameOf(tx, actor.orgId, row.updatedBy));
      });
    },

    async ticketProcedure(actor: Actor, ticketId: string, chosen?: ProblemCategory): Promise<TicketProcedureView> {
      requireRole(actor, DESK, 'reading procedures');
      return db.tenant(actor.orgId, async (tx) => (await ticketProcedureIn(tx, actor, ticketId, chosen)).view);
    },

    /** One move of the agent through the ticket's procedure; every move is kept in the run's log. */
    async runProcedure(actor: Actor, ticketId: string, input: RunProcedure): Promise<TicketProcedureView> {
      requireRole(actor, DESK, 'working a procedure');
      return db.tenant(actor.orgId, async (tx) => {
        const { view, facts } = await ticketProcedureIn(tx, actor, ticketId, input.category);
        if (!view.procedure) throw AppError.unprocessable('procedures.none_for_category', `No active procedure for ${view.category}`, { issues: [{ field: 'category', message: 'no procedure for this category' }] });
        const [p] = await tx.select().from(procedures).where(and(eq(procedures.orgId, actor.orgId), eq(procedures.id, view.procedure.id)));
        const now = clock.now();
        let [run] = await tx.select().from(procedureRuns).where(and(eq(procedureRuns.orgId, actor.orgId), eq(procedureRuns.ticketId, ticketId), eq(procedureRuns.procedureId, p!.id))).for('update');
        if (!run) {
          [run] = await tx
            .insert(procedureRuns)
            .values({ orgId: actor.orgId, id: ids('prr'), shopId: facts.shopId, ticketId, procedureId: p!.id, version: p!.version, category: view.category, step: 0, checked: [], log: [], completedAt: null, createdAt: now, updatedAt: now })
            .returning();
        }
        const r = run!;
        const res = applyRunAction({ step: Math.min(r.step, p!.steps.length - 1), checked: r.checked, completed: !!r.completedAt }, p!.steps.map((s) => ({ checks: s.checks ?? [] })), input);
        if (!res.ok) throw AppError.validation('procedures.bad_move', res.message, [{ field: res.field, message: res.message }]);
        const entry: RunLogEntry = { at: now.toISOString(), by: authorOf(actor), action: input.action, step: input.step ?? res.state.step, check: input.check ?? null };
        await tx
          .update(procedureRuns)
          .set({ step: res.state.step, checked: res.state.checked, completedAt: res.state.completed ? (r.completedAt ?? now) : null, log: [...r.log, entry].slice(-500), updatedAt: now })
          .where(and(eq(procedureRuns.orgId, actor.orgId), eq(procedureRuns.id, r.id)));
        return (await ticketProcedureIn(tx, actor, ticketId, view.category)).view;
      });
    },

    /** The demo's standard procedures (en + zh-CN); categories that already have one are left alone. */
    async seedDefaultProcedures(orgId: string): Promise<number> {
      const actor: Actor = { orgId, userId: 'system', role: 'owner' };
      return db.tenant(orgId, async (tx) => {
        let n = 0;
        for (const d of DEFAULT_PROCEDURES) {
          if (await procedureOf(tx, orgId, d.category)) continue;
          await writeProcedure(tx, actor, d.category, { ...d.content, active: true });
          n++;
        }
        return n;
      });
    },

    // ---------- proactive notices ----------
    async productOptions(actor: Actor, shopId?: string): Promise<{ shopId: string; productId: string; productName: string; lines: number }[]> {
      requireRole(actor, LEADS, 'managing notices');
      return db.tenant(actor.orgId, async (tx) => {
        if (shopId) await shopIn(tx, actor.orgId, shopId);
        return productsSold(tx, actor.orgId, shopId ?? null, 200);
      });
    },

    async listNotices(actor: Actor, shopId?: string): Promise<NoticeView[]> {
      requireRole(actor, LEADS, 'reading notices');
      return db.tenant(actor.orgId, async (tx) => {
        if (shopId) await shopIn(tx, actor.orgId, shopId);
        const rows = await tx.select().from(notices).where(and(eq(notices.orgId, actor.orgId), shopId ? eq(notices.shopId, shopId) : undefined)).orderBy(asc(notices.productName), asc(notices.id)).limit(500);
        return rows.map(noticeView);
      });
    },

    async createNotice(actor: Actor, input: CreateNotice): Promise<NoticeView> {
      requireRole(actor, LEADS, 'managing notices');
      return db.tenant(actor.orgId, async (tx) => {
        await shopIn(tx, actor.orgId, input.shopId);
        const product = (await productsSold(tx, actor.orgId, input.shopId, 1000)).find((p) => p.productId === input.productId);
        if (!product) throw AppError.validation('notices.unknown_product', `Shop ${input.shopId} has sold no product ${input.productId}`, [{ field: 'productId', message: 'no order line of this shop has this product' }]);
        const now = clock.now();
        const [row] = await tx
          .insert(notices)
          .values({ orgId: actor.orgId, id: ids('ntc'), shopId: input.shopId, productId: input.productId, productName: product.productName, trigger: input.trigger, delayHours: input.delayHours, texts: input.texts as Record<string, string>, holdoutPercent: input.holdoutPercent, active: true, startsAt: now, createdBy: authorOf(actor), createdAt: now, updatedAt: now })
          .returning();
        return noticeView(row!);
      });
    },

    async updateNotice(actor: Actor, id: string, input: UpdateNotice): Promise<NoticeView> {
      requireRole(actor, LEADS, 'managing notices');
      return db.tenant(actor.orgId, async (tx) => {
        await loadNotice(tx, actor.orgId, id);
        const patch: Partial<NoticeRow> = { updatedAt: clock.now() };
        if (input.trigger !== undefined) patch.trigger = input.trigger;
        if (input.delayHours !== undefined) patch.delayHours = input.delayHours;
        if (input.texts !== undefined) patch.texts = input.texts as Record<string, string>;
        if (input.holdoutPercent !== undefined) patch.holdoutPercent = input.holdoutPercent;
        if (input.active !== undefined) patch.active = input.active;
        const [row] = await tx.update(notices).set(patch).where(and(eq(notices.orgId, actor.orgId), eq(notices.id, id))).returning();
        return noticeView(row!);
      });
    },

    /** The job's work for one organisation: every active notice finds its new orders and plans the due ones. */
    async runDue(orgId: string): Promise<NoticeRunView> {
      const out: NoticeRunView = { found: 0, planned: 0, heldOut: 0, refused: 0, deferred: 0 };
      const active = await db.tenant(orgId, (tx) => tx.select().from(notices).where(and(eq(notices.orgId, orgId), eq(notices.active, true))));
      for (const n of active) await db.tenant(orgId, (tx) => runNoticeIn(tx, n, out));
      return out;
    },

    async runDueFor(actor: Actor): Promise<NoticeRunView> {
      requireRole(actor, LEADS, 'running notices');
      return service.runDue(actor.orgId);
    },

    /** Organisations with an active notice (the job's list). */
    async activeOrgs(): Promise<string[]> {
      return db.system(async (tx) => ((await tx.execute(sql`select distinct org_id from notices where active`)).rows as { org_id: string }[]).map((r) => r.org_id));
    },

    /** Asked by the send handler before it talks to the platform: a notice switched off since planning is not sent. */
    async wantsSend(orgId: string, sendId: string): Promise<boolean> {
      return db.tenant(orgId, async (tx) => {
        const [s] = await tx.select({ status: noticeSends.status, active: notices.active }).from(noticeSends).innerJoin(notices, and(eq(notices.orgId, noticeSends.orgId), eq(notices.id, noticeSends.noticeId))).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.id, sendId)));
        return !!s && (s.status === 'planned' || s.status === 'sent') && s.active;
      });
    },

    async markSent(orgId: string, sendId: string, r: { messageId: string }): Promise<void> {
      await db.tenant(orgId, async (tx) => {
        await tx.update(noticeSends).set({ status: 'sent', messageId: r.messageId, sentAt: clock.now(), updatedAt: clock.now() }).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.id, sendId), inArray(noticeSends.status, ['planned', 'sent'])));
      });
    },

    /** The send step failed for good (the outbox already told the supervisors): the row says so. */
    async markFailed(orgId: string, sendId: string, error: string | null): Promise<void> {
      await db.tenant(orgId, async (tx) => {
        await tx.update(noticeSends).set({ status: 'failed', reasons: error ? [error.slice(0, 200)] : [], updatedAt: clock.now() }).where(and(eq(noticeSends.orgId, orgId), eq(noticeSends.id, sendId), eq(noticeSends.status, 'planned')));
      });
    },

    /**
     * Complaints (a ticket about the order after its trigger) and returns (a refund approved) per arm,
     * intention to treat: the treatment arm counts every order drawn into it, also those the contact
     * policy refused, so the comparison stays the random one.
     */
    async report(actor: Actor, noticeId: string): Promise<NoticeReportView> {
      requireRole(actor, LEADS, 'reading notice reports');
      return db.tenant(actor.orgId, async (tx) => {
        await loadNotice(tx, actor.orgId, noticeId);
        const rows = await tx.select().from(noticeSends).where(and(eq(noticeSends.orgId, actor.orgId), eq(noticeSends.noticeId, noticeId)));
        const count = (s: string) => rows.filter((r) => r.status === s).length;
        const decided = rows.filter((r) => r.status !== 'waiting');
        const orderIds = decided.map((r) => r.orderId);
        const outcomes = await orderOutcomes(tx, actor.orgId, orderIds);
        const tickets = await latestTicketOfOrders(tx, actor.orgId, orderIds);
        const arm = (a: 'treatment' | 'holdout') => {
          const mine = decided.filter((r) => r.arm === a);
          const complaints = mine.filter((r) => (tickets.get(r.orderId)?.getTime() ?? -Infinity) >= r.anchorAt.getTime()).length;
          const returns = mine.filter((r) => (outcomes.get(r.orderId)?.returned ?? 'none') !== 'none').length;
          return { orders: mine.length, complaints, returns, complaintRate: rate(complaints, mine.length), returnRate: rate(returns, mine.length) };
        };
        const t = arm('treatment');
        const h = arm('holdout');
        return {
          noticeId,
          sent: count('sent'),
          planned: count('planned'),
          refused: count('refused'),
          waiting: count('waiting'),
          failed: count('failed'),
          treatment: t,
          holdout: h,
          complaintLift: noticeEffect({ n: t.orders, k: t.complaints }, { n: h.orders, k: h.complaints }),
          returnLift: noticeEffect({ n: t.orders, k: t.returns }, { n: h.orders, k: h.returns }),
        };
      });
    },
  };
  return service;
}

export type PlaybooksService = ReturnType<typeof createPlaybooksService>;
