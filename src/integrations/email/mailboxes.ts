/**
 * Each shop's own mailbox: settings (passwords sealed at rest), a connection test that names the
 * step that failed, the IMAP sync (resumable from the last UID, one worker per mailbox through a
 * Postgres advisory lock, never a duplicate ticket) and SMTP sending with a copy in Sent.
 */
import { and, eq, sql } from 'drizzle-orm';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import net from 'node:net';
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Clock } from '../../platform/clock.js';
import { statement, type Database } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboundPolicy } from '../../platform/outbound.js';
import { exponentialBackoff } from '../../platform/backoff.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import { requireRole, type Actor } from '../../platform/tenancy.js';
import { emailThreadOfTicket, type ChannelMeta, type HelpdeskService } from '../../modules/helpdesk/index.js';
import { staffEmailsIn } from '../../modules/auth/index.js';
import { shopIn } from '../../modules/tenancy/index.js';
import { emailToInbound, threadIdOf, type InboundEmail } from './email.js';
import { mailboxes, type MailboxRow, type MailTls } from './email.schema.js';
import type { ConnectionTestView, MailboxInput, MailboxSyncView, MailboxView } from './email.dto.js';
import { authenticationResults, automatedKind, CONNECTION_STEPS, failedStep, isOwnMail, ourMessageId, replySubject, spoofSuspect, ticketNumberIn, type ConnectionStep } from './email.rules.js';


/** Read before every mail a shop sends: rendered once (`statement()`, platform/db.ts). */
const mailboxOfShop = statement((db) => db.select().from(mailboxes).where(and(eq(mailboxes.orgId, sql.placeholder('orgId')), eq(mailboxes.shopId, sql.placeholder('shopId')))).limit(1));

export interface FilesPort {
  storeFile(orgId: string, input: { bytes: Buffer; fileName: string; declaredContentType?: string }): Promise<{ sha256: string; contentType: string; size: number }>;
  readFile(orgId: string, sha256: string): Promise<{ bytes: Buffer; contentType: string; fileName: string; size: number }>;
}

export interface MailboxDeps {
  db: Database;
  ids: IdGenerator;
  clock: Clock;
  log: Logger;
  secretKey: Buffer;
  outbound: Pick<OutboundPolicy, 'assertHost'>;
  helpdesk: Pick<HelpdeskService, 'ingestInbound'>;
  files: FilesPort;
  /** Told once when a mailbox that was working starts failing (the owners hear of it). */
  onFailing?: (orgId: string, shopId: string, step: string) => Promise<void>;
}

/** Mail bigger than this is kept as its headers and a note (the buyer's words stay in the mailbox). */
export const MAX_MAIL_BYTES = 25 * 1024 * 1024;
const MAX_ATTACHMENTS = 20;
const BATCH = 25;

export function mailboxView(r: MailboxRow): MailboxView {
  return {
    id: r.id,
    shopId: r.shopId,
    address: r.address,
    imap: { host: r.imapHost, port: r.imapPort, tls: r.imapTls, user: r.imapUser, folder: r.folder },
    smtp: { host: r.smtpHost, port: r.smtpPort, tls: r.smtpTls, user: r.smtpUser },
    status: r.status,
    lastError: r.lastError,
    lastErrorStep: r.lastErrorStep,
    lastUid: r.lastUid,
    lastSyncAt: r.lastSyncAt?.toISOString() ?? null,
    messagesIngested: r.messagesIngested,
    updatedAt: r.updatedAt.toISOString(),
  };
}

interface Server {
  host: string;
  port: number;
  tls: MailTls;
  user: string;
  pass: string;
}

/** The settings a connection needs, passwords opened. */
interface Opened {
  row: MailboxRow;
  imap: Server & { folder: string };
  smtp: Server;
}

export function createMailboxes(d: MailboxDeps) {
  const seal = (s: string) => encryptSecret(d.secretKey, s);
  const open = (row: MailboxRow): Opened => ({
    row,
    imap: { host: row.imapHost, port: row.imapPort, tls: row.imapTls, user: row.imapUser, pass: decryptSecret(d.secretKey, row.imapPassword), folder: row.folder },
    smtp: { host: row.smtpHost, port: row.smtpPort, tls: row.smtpTls, user: row.smtpUser, pass: decryptSecret(d.secretKey, row.smtpPassword) },
  });

  /** The checked address to open (the outbound rule), with the configured name kept for TLS. */
  async function target(s: { host: string; port: number }): Promise<{ host: string; servername?: string }> {
    const address = await d.outbound.assertHost(s.host, s.port);
    return { host: address, servername: net.isIP(s.host) ? undefined : s.host };
  }

  async function imapClient(s: Opened['imap'], extra: { autoIdleDelay?: number } = {}): Promise<ImapFlow> {
    const t = await target(s);
    return new ImapFlow({
      host: t.host,
      ...(t.servername ? { servername: t.servername } : {}),
      port: s.port,
      secure: s.tls === 'implicit',
      doSTARTTLS: s.tls === 'starttls' ? true : s.tls === 'none' ? false : undefined,
      auth: { user: s.user, pass: s.pass },
      logger: false,
      connectionTimeout: 15_000,
      greetingTimeout: 10_000,
      ...(extra.autoIdleDelay ? { autoIdleDelay: extra.autoIdleDelay } : {}),
    } as ConstructorParameters<typeof ImapFlow>[0]);
  }

  async function smtpTransport(s: Server) {
    const t = await target(s);
    return nodemailer.createTransport({
      host: t.host,
      port: s.port,
      secure: s.tls === 'implicit',
      requireTLS: s.tls === 'starttls',
      ignoreTLS: s.tls === 'none',
      auth: { user: s.user, pass: s.pass },
      connectionTimeout: 15_000,
      ...(t.servername ? { tls: { servername: t.servername } } : {}),
    });
  }

  async function rowOf(orgId: string, shopId: string): Promise<MailboxRow | undefined> {
    // Read by every e-mail reply's delivery (most shops have no mailbox of their own): on cached
    // plans, as the reply itself is, instead of planned each time (0.17 ms of Postgres per reply).
    return d.db.tenant(orgId, async (tx) => (await mailboxOfShop(tx, { orgId, shopId }))[0], { cachedPlans: true });
  }

  async function requireShop(orgId: string, shopId: string): Promise<void> {
    const found = await d.db.tenant(orgId, async (tx) => shopIn(tx, orgId, shopId).then(() => true).catch(() => false));
    if (!found) throw AppError.notFound('shops', shopId);
  }

  /** Run `fn` holding the mailbox's lock, or report busy when another worker holds it. */
  async function exclusively<T>(mailboxId: string, fn: () => Promise<T>): Promise<T | 'busy'> {
    const client = await d.db.pool.connect();
    try {
      const got = await client.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtextextended('afterdesk.mailbox:' || $1, 0)) as ok", [mailboxId]);
      if (!got.rows[0]?.ok) return 'busy';
      try {
        return await fn();
      } finally {
        await client.query("select pg_advisory_unlock(hashtextextended('afterdesk.mailbox:' || $1, 0))", [mailboxId]);
      }
    } finally {
      client.release();
    }
  }

  async function setState(orgId: string, id: string, patch: Partial<MailboxRow>): Promise<void> {
    await d.db.tenant(orgId, (tx) => tx.update(mailboxes).set(patch).where(and(eq(mailboxes.orgId, orgId), eq(mailboxes.id, id))));
  }

  /** One fetched message → what the helpdesk ingests. */
  async function toInbound(o: Opened, uid: number, parsed: ParsedMail, staff: string[]) {
    const row = o.row;
    const from = parsed.from?.value[0];
    const fromAddress = (from?.address ?? '').toLowerCase();
    const messageId = parsed.messageId ?? `<uid.${row.uidValidity ?? 0}.${uid}@${row.imapHost}>`;
    const references = Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : [];
    const subject = parsed.subject ?? '';
    const attachments: NonNullable<InboundEmail['attachments']> = [];
    for (const a of parsed.attachments.slice(0, MAX_ATTACHMENTS)) {
      if (a.related && !a.filename) continue; // inline images of a signature
      const stored = await d.files.storeFile(row.orgId, { bytes: a.content, fileName: a.filename ?? 'attachment', declaredContentType: a.contentType });
      attachments.push({ fileName: a.filename ?? 'attachment', contentType: stored.contentType, size: stored.size, sha256: stored.sha256 });
    }
    const mail: InboundEmail = {
      messageId,
      from: fromAddress,
      fromName: from?.name || undefined,
      to: row.address,
      subject,
      text: parsed.text ?? (parsed.html ? String(parsed.html).replace(/<[^>]+>/g, ' ') : ''),
      inReplyTo: parsed.inReplyTo,
      references,
      date: parsed.date ?? d.clock.now(),
      attachments,
    };
    const automated = automatedKind(parsed.headers, fromAddress, subject);
    const authentication = authenticationResults(parsed.headers);
    const meta: ChannelMeta = {
      ...(authentication ? { authentication } : {}),
      ...(spoofSuspect(fromAddress, { mailbox: row.address, agents: staff }) ? { spoofSuspect: true } : {}),
    };
    const inbound = emailToInbound(row.orgId, row.shopId, mail);
    // A fresh mail (no thread headers) quoting our ticket token joins that ticket's conversation.
    const n = ticketNumberIn(subject);
    if (n !== undefined && !mail.inReplyTo && references.length === 0) {
      const thread = await d.db.tenant(row.orgId, (tx) => emailThreadOfTicket(tx, row.orgId, row.shopId, n));
      if (thread) inbound.externalThreadId = thread;
    }
    if (!inbound.text.trim()) inbound.text = attachments.length ? `(${attachments.length} attachment${attachments.length > 1 ? 's' : ''})` : '(empty message)';
    return { inbound: { ...inbound, ...(automated ? { automated } : {}), ...(Object.keys(meta).length ? { channelMeta: meta } : {}) }, own: isOwnMail(messageId, fromAddress, row), automated: !!automated, threadId: threadIdOf(mail) };
  }

  /** Fetch everything after the last UID into tickets; resumable after a crash at any point. */
  async function syncOpened(o: Opened): Promise<Omit<MailboxSyncView, 'busy'>> {
    const row = o.row;
    const client = await imapClient(o.imap);
    const out = { fetched: 0, ingested: 0, skipped: { own: 0, tooLarge: 0 }, automated: 0, lastUid: row.lastUid };
    await client.connect();
    try {
      const lock = await client.getMailboxLock(o.imap.folder);
      try {
        const box = client.mailbox as { uidValidity: bigint; uidNext: number } | false;
        if (!box) throw new Error(`Folder ${o.imap.folder} could not be opened`);
        let last = row.lastUid;
        if (row.uidValidity === null || row.uidValidity !== BigInt(box.uidValidity)) {
          // A new UIDVALIDITY renumbers the folder: start over; Message-IDs keep tickets single.
          last = row.uidValidity === null ? 0 : 0;
          await setState(row.orgId, row.id, { uidValidity: BigInt(box.uidValidity), lastUid: 0 });
          row.uidValidity = BigInt(box.uidValidity);
        }
        if (box.uidNext <= last + 1) return { ...out, lastUid: last };
        const found = (await client.search({ uid: `${last + 1}:*` }, { uid: true })) || [];
        const uids = found.filter((u) => u > last).sort((a, b) => a - b);
        const staff = await d.db.tenant(row.orgId, (tx) => staffEmailsIn(tx, row.orgId));
        for (let i = 0; i < uids.length; i += BATCH) {
          const batch = uids.slice(i, i + BATCH);
          const sizes = await client.fetchAll(batch.join(','), { uid: true, size: true }, { uid: true });
          const big = new Set(sizes.filter((m) => (m.size ?? 0) > MAX_MAIL_BYTES).map((m) => m.uid));
          const small = batch.filter((u) => !big.has(u));
          const msgs = small.length ? await client.fetchAll(small.join(','), { uid: true, source: true }, { uid: true }) : [];
          const byUid = new Map(msgs.map((m) => [m.uid, m]));
          for (const uid of batch) {
            out.fetched++;
            let parsed: ParsedMail;
            if (big.has(uid)) {
              const head = await client.fetchOne(String(uid), { uid: true, headers: true }, { uid: true });
              parsed = await simpleParser(Buffer.concat([head ? (head.headers as Buffer) : Buffer.alloc(0), Buffer.from('\r\n(This mail is larger than 25 MB; open it in the mailbox to read it.)\r\n')]));
              out.skipped.tooLarge++;
            } else {
              const m = byUid.get(uid);
              if (!m?.source) continue;
              parsed = await simpleParser(m.source);
            }
            const r = await toInbound(o, uid, parsed, staff);
            if (r.own) out.skipped.own++;
            else {
              await d.helpdesk.ingestInbound(r.inbound);
              out.ingested++;
              if (r.automated) out.automated++;
            }
            // The cursor moves after the ticket exists: a crash in between fetches the mail again,
            // and its Message-ID makes the second ingest a no-op.
            await setState(row.orgId, row.id, { lastUid: uid, messagesIngested: row.messagesIngested + out.ingested, lastSyncAt: d.clock.now() });
            out.lastUid = uid;
          }
        }
      } finally {
        lock.release();
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    return out;
  }

  /** Sync with the mailbox's lock already held (by `sync` or by the IDLE watcher). */
  async function syncHeld(orgId: string, shopId: string): Promise<Omit<MailboxSyncView, 'busy'>> {
    const fresh = await rowOf(orgId, shopId);
    if (!fresh) throw new AppError('not_found', 'email.no_mailbox', 'This shop has no mailbox');
    try {
      const res = await syncOpened(open(fresh));
      if (fresh.status === 'failing') await setState(orgId, fresh.id, { status: 'active', lastError: null, lastErrorStep: null });
      return res;
    } catch (e) {
      const step = failedStep(e as Record<string, unknown>, 'imap');
      await setState(orgId, fresh.id, { status: 'failing', lastError: (e as Error).message.slice(0, 500), lastErrorStep: step });
      if (fresh.status !== 'failing' && d.onFailing) await d.onFailing(orgId, shopId, step).catch((err: unknown) => d.log.warn({ err }, 'could not tell the owners about a failing mailbox'));
      throw new AppError('upstream', 'email.sync_failed', `The mailbox could not be read (${step}): ${(e as Error).message}`, { step });
    }
  }

  return {
    async get(actor: Actor, shopId: string): Promise<MailboxView | null> {
      requireRole(actor, ['owner', 'supervisor'], 'viewing mailbox settings');
      await requireShop(actor.orgId, shopId);
      const row = await rowOf(actor.orgId, shopId);
      return row ? mailboxView(row) : null;
    },

    async save(actor: Actor, shopId: string, input: MailboxInput): Promise<MailboxView> {
      requireRole(actor, ['owner'], 'changing mailbox settings');
      await requireShop(actor.orgId, shopId);
      const existing = await rowOf(actor.orgId, shopId);
      if (!existing && !input.imap.password) throw AppError.validation('email.password_required', 'A new mailbox needs its IMAP password', [{ field: 'imap.password', message: 'required' }]);
      if (!existing && !input.smtp.password) throw AppError.validation('email.password_required', 'A new mailbox needs its SMTP password', [{ field: 'smtp.password', message: 'required' }]);
      const now = d.clock.now();
      const values = {
        address: input.address,
        imapHost: input.imap.host,
        imapPort: input.imap.port,
        imapTls: input.imap.tls,
        imapUser: input.imap.user,
        folder: input.imap.folder,
        smtpHost: input.smtp.host,
        smtpPort: input.smtp.port,
        smtpTls: input.smtp.tls,
        smtpUser: input.smtp.user,
        ...(input.imap.password ? { imapPassword: seal(input.imap.password) } : {}),
        ...(input.smtp.password ? { smtpPassword: seal(input.smtp.password) } : {}),
        status: input.status ?? existing?.status ?? 'active',
        updatedAt: now,
      };
      const row = await d.db.tenant(actor.orgId, async (tx) => {
        if (existing) {
          // Another server or folder is another numbering: the sync starts that folder from its first mail.
          const moved = existing.imapHost !== input.imap.host || existing.imapUser !== input.imap.user || existing.folder !== input.imap.folder;
          const [r] = await tx
            .update(mailboxes)
            .set({ ...values, ...(moved ? { uidValidity: null, lastUid: 0 } : {}), ...(values.status === 'active' && existing.status === 'failing' ? { status: 'active' as const } : {}) })
            .where(and(eq(mailboxes.orgId, actor.orgId), eq(mailboxes.id, existing.id)))
            .returning();
          return r!;
        }
        const [r] = await tx
          .insert(mailboxes)
          .values({ orgId: actor.orgId, id: d.ids('mbx'), shopId, ...values, imapPassword: seal(input.imap.password!), smtpPassword: seal(input.smtp.password!), lastUid: 0, messagesIngested: 0, createdAt: now })
          .returning();
        return r!;
      });
      return mailboxView(row);
    },

    async remove(actor: Actor, shopId: string): Promise<void> {
      requireRole(actor, ['owner'], 'removing a mailbox');
      await requireShop(actor.orgId, shopId);
      const n = await d.db.tenant(actor.orgId, (tx) => tx.delete(mailboxes).where(and(eq(mailboxes.orgId, actor.orgId), eq(mailboxes.shopId, shopId))).returning({ id: mailboxes.id }));
      if (!n.length) throw new AppError('not_found', 'email.no_mailbox', 'This shop has no mailbox');
    },

    /** Try every step once, in order, and say which one failed. */
    async test(actor: Actor, shopId: string): Promise<ConnectionTestView> {
      requireRole(actor, ['owner', 'supervisor'], 'testing a mailbox');
      await requireShop(actor.orgId, shopId);
      const row = await rowOf(actor.orgId, shopId);
      if (!row) throw new AppError('not_found', 'email.no_mailbox', 'This shop has no mailbox');
      const o = open(row);
      const steps: ConnectionTestView['steps'] = [];
      const pass = (step: ConnectionStep, detail: string | null = null) => steps.push({ step, ok: true, detail });
      const fail = (step: ConnectionStep, detail: string) => {
        steps.push({ step, ok: false, detail });
        return { ok: false, steps, idle: null };
      };
      try {
        await d.outbound.assertHost(o.imap.host, o.imap.port);
        pass('dns');
      } catch (e) {
        return fail('dns', (e as Error).message);
      }
      let idle: boolean | null = null;
      const client = await imapClient(o.imap);
      try {
        await client.connect();
        pass('connect');
        pass('tls', o.imap.tls === 'none' ? 'no encryption (only for servers on your own network)' : null);
        pass('login');
        idle = client.capabilities.has('IDLE');
        try {
          await client.status(o.imap.folder, { messages: true });
          pass('folder');
        } catch (e) {
          return fail('folder', (e as Error).message);
        }
      } catch (e) {
        const step = failedStep(e as Record<string, unknown>, 'imap');
        const order = CONNECTION_STEPS.indexOf(step);
        for (const s of CONNECTION_STEPS.slice(1, order)) pass(s);
        return fail(step, (e as Error).message);
      } finally {
        await client.logout().catch(() => client.close());
      }
      try {
        const t = await smtpTransport(o.smtp);
        await t.verify();
        t.close();
        pass('smtp');
      } catch (e) {
        return { ...fail('smtp', (e as Error).message), idle };
      }
      return { ok: true, steps, idle };
    },

    /** Sync one mailbox now (the job, the "sync now" button); 'busy' when another worker holds it. */
    async sync(orgId: string, shopId: string): Promise<MailboxSyncView> {
      const row = await rowOf(orgId, shopId);
      if (!row) throw new AppError('not_found', 'email.no_mailbox', 'This shop has no mailbox');
      const r = await exclusively(row.id, () => syncHeld(orgId, shopId));
      if (r === 'busy') return { fetched: 0, ingested: 0, skipped: { own: 0, tooLarge: 0 }, automated: 0, lastUid: row.lastUid, busy: true };
      return { ...r, busy: false };
    },

    /**
     * Keep one IMAP connection per mailbox open in IDLE, so new mail becomes a ticket within
     * seconds. The watcher holds the mailbox's lock while connected, so the minute poll (and any
     * other worker process) skips that mailbox; when the connection drops, the lock goes with it,
     * the poll takes over, and the watcher reconnects with exponential backoff. Mailboxes whose
     * server does not announce IDLE are left to the poll.
     */
    watch(opts: { refreshMs?: number; backoff?: { baseMs: number; maxMs: number }; autoIdleDelayMs?: number } = {}): IdleWatchers {
      const refreshMs = opts.refreshMs ?? 60_000;
      const backoff = opts.backoff ?? { baseMs: 2_000, maxMs: 5 * 60_000 };
      const watchers = new Map<string, Watcher>();
      let stopped = false;
      const sleep = (ms: number, w?: Watcher) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(resolve, ms);
          t.unref?.();
          if (w) w.wake = () => (clearTimeout(t), resolve());
        });

      async function runWatcher(w: Watcher): Promise<void> {
        let failures = 0;
        while (!stopped && !w.stopped) {
          const pg = await d.db.pool.connect();
          let locked = false;
          try {
            locked = !!(await pg.query<{ ok: boolean }>("select pg_try_advisory_lock(hashtextextended('afterdesk.mailbox:' || $1, 0)) as ok", [w.mailboxId])).rows[0]?.ok;
            if (!locked) {
              // Another process watches or syncs this mailbox: look again later.
              w.state = 'standby';
            } else {
              const row = await rowOf(w.orgId, w.shopId);
              if (!row || row.id !== w.mailboxId || row.status === 'paused') {
                w.stopped = true;
                break;
              }
              const o = open(row);
              // IDLE starts soon after the folder is open (imapflow's own default waits 15 s).
              const client = await imapClient(o.imap, { autoIdleDelay: opts.autoIdleDelayMs ?? 1_000 });
              w.client = client;
              const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
              client.on('error', (e: Error) => d.log.warn({ err: e, mailboxId: w.mailboxId }, 'IMAP IDLE connection error'));
              await client.connect();
              if (!client.capabilities.has('IDLE')) {
                w.state = 'no_idle';
                w.stopped = true;
                await client.logout().catch(() => client.close());
                break;
              }
              await client.mailboxOpen(o.imap.folder);
              w.state = 'idle';
              failures = 0;
              let running: Promise<void> | null = null;
              let again = false;
              const syncNow = () => {
                if (running) {
                  again = true;
                  return;
                }
                running = (async () => {
                  do {
                    again = false;
                    try {
                      const r = await syncHeld(w.orgId, w.shopId);
                      w.syncs++;
                      if (r.ingested) d.log.info({ mailboxId: w.mailboxId, ingested: r.ingested }, 'mail arrived (IDLE)');
                    } catch (e) {
                      d.log.warn({ err: e, mailboxId: w.mailboxId }, 'IDLE sync failed');
                    }
                  } while (again && !w.stopped);
                  running = null;
                })();
              };
              client.on('exists', syncNow);
              // Catch up with what arrived while nobody watched, then wait for the server's word.
              syncNow();
              await Promise.race([closed, new Promise<void>((resolve) => (w.wake = resolve))]);
              w.wake = undefined;
              await (running as Promise<void> | null);
              if (client.usable) await client.logout().catch(() => client.close());
              if (!w.stopped && !stopped) {
                failures++;
                w.reconnects++;
              }
            }
          } catch (e) {
            failures++;
            w.state = 'reconnecting';
            d.log.warn({ err: e, mailboxId: w.mailboxId, failures }, 'IMAP IDLE connection failed; the minute poll covers until it is back');
          } finally {
            if (locked) await pg.query("select pg_advisory_unlock(hashtextextended('afterdesk.mailbox:' || $1, 0))", [w.mailboxId]).catch(() => undefined);
            pg.release();
            w.client = undefined;
          }
          if (stopped || w.stopped) break;
          if (w.state !== 'standby') w.state = 'reconnecting';
          await sleep(w.state === 'standby' ? refreshMs : exponentialBackoff({ attempt: Math.max(0, failures - 1), baseMs: backoff.baseMs, maxMs: backoff.maxMs }), w);
        }
        watchers.delete(w.mailboxId);
      }

      async function refresh(): Promise<void> {
        const all = await d.db.system((tx) => tx.select({ id: mailboxes.id, orgId: mailboxes.orgId, shopId: mailboxes.shopId, status: mailboxes.status }).from(mailboxes));
        for (const m of all) {
          if (m.status === 'paused' || watchers.has(m.id) || noIdle.has(m.id)) continue;
          const w: Watcher = { mailboxId: m.id, orgId: m.orgId, shopId: m.shopId, state: 'connecting', stopped: false, syncs: 0, reconnects: 0 };
          watchers.set(m.id, w);
          w.done = runWatcher(w).then(() => {
            if (w.state === 'no_idle') noIdle.add(w.mailboxId);
          });
        }
      }
      const noIdle = new Set<string>();
      let timer: NodeJS.Timeout | undefined;
      const loop = async () => {
        if (stopped) return;
        await refresh().catch((e) => d.log.warn({ err: e }, 'IDLE watcher refresh failed'));
        timer = setTimeout(loop, refreshMs);
        timer.unref?.();
      };
      const started = loop();
      return {
        started,
        status: () => [...watchers.values()].map((w) => ({ mailboxId: w.mailboxId, state: w.state, syncs: w.syncs, reconnects: w.reconnects })),
        dropConnection(mailboxId) {
          const w = watchers.get(mailboxId);
          w?.client?.close();
        },
        async stop() {
          stopped = true;
          if (timer) clearTimeout(timer);
          await started;
          const all = [...watchers.values()];
          for (const w of all) {
            w.stopped = true;
            w.wake?.();
          }
          await Promise.all(all.map((w) => w.done));
        },
      };
    },

    /** Every active mailbox of the installation (the poll job). Failures are recorded per mailbox. */
    async syncAll(): Promise<{ mailboxes: number; ingested: number; failed: number }> {
      const all = await d.db.system((tx) => tx.select({ orgId: mailboxes.orgId, shopId: mailboxes.shopId, status: mailboxes.status }).from(mailboxes));
      let ingested = 0;
      let failed = 0;
      for (const m of all.filter((x) => x.status !== 'paused')) {
        try {
          ingested += (await this.sync(m.orgId, m.shopId)).ingested;
        } catch (e) {
          failed++;
          d.log.warn({ err: e, shopId: m.shopId }, 'mailbox sync failed');
        }
      }
      return { mailboxes: all.length, ingested, failed };
    },

    /**
     * Send one reply through the shop's SMTP and keep a copy in the mailbox's Sent folder. A retry
     * (attempt > 1) first looks for that copy by Message-ID, so a send whose answer was lost is
     * not repeated; the Message-ID is the same on every attempt, so the buyer's client shows one mail
     * even in the rare case (a crash between SMTP and the copy) where two were sent.
     */
    async send(orgId: string, shopId: string, mail: { key: string; attempt: number; to: string; toName?: string; fromName?: string; subject: string; ticketNumber?: number; text: string; inReplyTo?: string; references?: string[]; attachments: { sha256?: string; fileName?: string; contentType?: string }[] }): Promise<{ messageId: string; deduplicated: boolean } | null> {
      const row = await rowOf(orgId, shopId);
      if (!row || row.status === 'paused') return null;
      const o = open(row);
      const domain = row.address.split('@')[1] ?? 'afterdesk.local';
      const messageId = ourMessageId(mail.key, domain);
      const attachments = [];
      for (const a of mail.attachments) {
        if (!a.sha256) continue;
        const f = await d.files.readFile(orgId, a.sha256);
        attachments.push({ filename: a.fileName ?? f.fileName, content: f.bytes, contentType: a.contentType ?? f.contentType });
      }
      const imap = await imapClient(o.imap);
      await imap.connect();
      try {
        const sent = await sentFolder(imap);
        if (mail.attempt > 1 && sent) {
          const lock = await imap.getMailboxLock(sent);
          try {
            const hit = (await imap.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
            if (hit.length) return { messageId, deduplicated: true };
          } finally {
            lock.release();
          }
        }
        const raw = await new MailComposer({
          from: mail.fromName ? { name: mail.fromName, address: row.address } : row.address,
          to: mail.toName ? { name: mail.toName, address: mail.to } : mail.to,
          subject: mail.ticketNumber ? replySubject(mail.subject, mail.ticketNumber) : mail.subject,
          text: mail.text,
          messageId,
          inReplyTo: mail.inReplyTo,
          references: mail.references,
          attachments,
          date: d.clock.now(),
        })
          .compile()
          .build();
        const t = await smtpTransport(o.smtp);
        try {
          await t.sendMail({ envelope: { from: row.address, to: [mail.to] }, raw });
        } finally {
          t.close();
        }
        if (sent) await imap.append(sent, raw, ['\\Seen']);
        return { messageId, deduplicated: false };
      } finally {
        await imap.logout().catch(() => imap.close());
      }
    },
  };
}

/** The mailbox's Sent folder (special-use \Sent, else a folder named Sent), or null. */
async function sentFolder(client: ImapFlow): Promise<string | null> {
  const list = await client.list();
  return list.find((f) => f.specialUse === '\\Sent')?.path ?? list.find((f) => /^(inbox\.)?sent( items| messages)?$/i.test(f.path))?.path ?? null;
}

export type Mailboxes = ReturnType<typeof createMailboxes>;

interface Watcher {
  mailboxId: string;
  orgId: string;
  shopId: string;
  state: 'connecting' | 'idle' | 'reconnecting' | 'standby' | 'no_idle';
  stopped: boolean;
  syncs: number;
  reconnects: number;
  client?: ImapFlow;
  wake?: () => void;
  done?: Promise<void>;
}

export interface IdleWatchers {
  /** Resolves once the first look at the mailboxes has started their watchers. */
  readonly started: Promise<void>;
  status(): { mailboxId: string; state: Watcher['state']; syncs: number; reconnects: number }[];
  /** Cut a watcher's connection as a network failure would (tests). */
  dropConnection(mailboxId: string): void;
  stop(): Promise<void>;
}
