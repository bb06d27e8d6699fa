import { z } from 'zod';
import { HttpUrl, isHttpUrl } from '../../platform/http-url.js';
import { pageOf } from '../../platform/pagination.dto.js';
import { OrderSidebarView } from '../orders/orders.dto.js';

export const CHANNELS = ['tiktok_chat', 'tiktok_return_request', 'email', 'whatsapp', 'livestream', 'video_comment', 'self_service'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const TICKET_STATUSES = ['new', 'open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform', 'solved', 'closed'] as const;
export const TicketStatus = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof TicketStatus>;

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const Priority = z.enum(PRIORITIES);
export type Priority = z.infer<typeof Priority>;

export const BUYER_LANGUAGES = ['en', 'de', 'fr', 'it', 'es'] as const;
export const BuyerLanguage = z.enum(BUYER_LANGUAGES);
export type BuyerLanguage = z.infer<typeof BuyerLanguage>;

export type MessageKind = 'public' | 'note';

/**
 * What the thread keeps about a file. `sha256` names the bytes in the evidence file store once
 * they were stored there; `url` is where the channel offered them when we only have a link.
 */
export const AttachmentRef = z.strictObject({
  url: z.string().max(2000).optional(),
  fileName: z.string().max(300).optional(),
  contentType: z.string().max(200).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  size: z.number().int().nonnegative().optional(),
});
export type AttachmentRef = z.infer<typeof AttachmentRef>;
/**
 * Links are web links only (file:, gopher:, javascript: have no business in a thread, and the UI
 * renders them as anchors): a request body with another scheme is a 400 naming the field…
 */
export const AttachmentInput = z.strictObject({ ...AttachmentRef.shape, url: HttpUrl.optional() });
/** …while a channel's payload keeps its message and only loses the link. */
export const InboundAttachmentRef = z.strictObject({
  ...AttachmentRef.shape,
  url: z
    .string()
    .max(2000)
    .optional()
    .transform((v) => (v && isHttpUrl(v) ? v : undefined)),
});

/** Contract 2: what channel integrations hand the helpdesk. */
export interface InboundMessage {
  orgId: string;
  shopId: string;
  channel: Channel;
  externalThreadId: string;
  externalMessageId: string;
  buyer: { externalId?: string; name?: string; email?: string; phone?: string; language?: string };
  orderId?: string;
  direction: 'inbound' | 'outbound';
  text: string;
  attachments?: AttachmentRef[];
  /** ISO timestamp */
  sentAt: string;
  livestreamSessionId?: string;
  /** Optional subject (e-mail); otherwise derived from the first words. */
  subject?: string;
  /**
   * A machine wrote it (an auto-reply, a bounce, mailing-list mail): kept on the ticket, but it
   * starts no SLA clock and changes no status; a conversation it opens arrives solved.
   */
  automated?: AutomatedKind;
  /** What the channel told about the message (e-mail authentication results, spoofing suspicion). */
  channelMeta?: ChannelMeta;
}

export const AUTOMATED_KINDS = ['auto_reply', 'bounce', 'list'] as const;
export type AutomatedKind = (typeof AUTOMATED_KINDS)[number];
export const ChannelMeta = z.strictObject({
  automated: z.enum(AUTOMATED_KINDS).optional(),
  /** SPF / DKIM / DMARC verdicts from the receiving server's Authentication-Results header. */
  authentication: z.strictObject({ spf: z.string().max(20).nullable(), dkim: z.string().max(20).nullable(), dmarc: z.string().max(20).nullable() }).optional(),
  /** The sender claims one of our own addresses (an agent's or the shop's): treated as the buyer's words. */
  spoofSuspect: z.boolean().optional(),
  /** For our replies: how far the channel says it got (WhatsApp delivered / read). */
  delivery: z.enum(['delivered', 'read']).optional(),
  /** For our replies: the channel's reason when it failed. */
  deliveryError: z.string().max(300).optional(),
  /** A TikTok video comment: the video it was written under (linked from the ticket) and the triage. */
  videoComment: z
    .strictObject({
      videoId: z.string().max(64),
      commentId: z.string().max(64),
      videoUrl: z.string().max(500).optional(),
      caption: z.string().max(300).optional(),
      category: z.string().max(40).optional(),
    })
    .optional(),
});
export type ChannelMeta = z.infer<typeof ChannelMeta>;

export const InboundMessageSchema = z.strictObject({
  orgId: z.string().min(1),
  shopId: z.string().min(1),
  channel: Channel,
  externalThreadId: z.string().min(1).max(300),
  externalMessageId: z.string().min(1).max(300),
  buyer: z.strictObject({
    externalId: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
    email: z.string().max(320).optional(),
    phone: z.string().max(40).optional(),
    language: z.string().max(10).optional(),
  }),
  orderId: z.string().max(64).optional(),
  direction: z.enum(['inbound', 'outbound']),
  text: z.string().max(50_000),
  attachments: z.array(InboundAttachmentRef).max(50).optional(),
  sentAt: z.string().datetime({ offset: true }),
  livestreamSessionId: z.string().max(200).optional(),
  subject: z.string().max(300).optional(),
  automated: z.enum(AUTOMATED_KINDS).optional(),
  channelMeta: ChannelMeta.optional(),
});

// ---- HTTP shapes ----

/**
 * A reply whose text a machine translated (the composer's "into the buyer's language"): unreviewed
 * until a person says they checked it; sending it unreviewed needs `confirmUnreviewed`.
 */
export const MachineDraftInput = z.strictObject({
  provider: z.string().trim().min(1).max(60),
  from: z.string().max(10).nullable().optional(),
  to: z.string().min(2).max(10),
  reviewed: z.boolean(),
  confirmUnreviewed: z.boolean().optional(),
});
export type MachineDraftInput = z.infer<typeof MachineDraftInput>;
/** What a message keeps about its machine translation. */
export const MachineDraftView = z.object({ provider: z.string(), from: z.string().nullable(), to: z.string(), reviewed: z.boolean(), reviewedBy: z.string().nullable(), reviewedAt: z.string().nullable(), sentUnreviewed: z.boolean() });
export type MachineDraftView = z.infer<typeof MachineDraftView>;

export const ReplyInput = z.strictObject({
  text: z.string().trim().min(1).max(20_000),
  macroId: z.string().max(64).optional(),
  attachments: z.array(AttachmentInput).max(20).optional(),
  /** Set a status in the same step ("reply and set waiting on buyer"). */
  status: TicketStatus.optional(),
  /** Chosen by the client once per composed reply: a resubmit (double click, retry) sends nothing twice. */
  clientKey: z.string().regex(/^[\w-]{8,80}$/, '8–80 letters, digits, _ or -').optional(),
  /** The text is (or starts from) a machine translation. */
  machineDraft: MachineDraftInput.optional(),
});
export type ReplyInput = z.infer<typeof ReplyInput>;

export const NoteInput = z.strictObject({ text: z.string().trim().min(1).max(20_000), attachments: z.array(AttachmentInput).max(20).optional() });
export const StatusInput = z.strictObject({ status: TicketStatus, reason: z.string().max(500).optional() });
export const PriorityInput = z.strictObject({ priority: Priority });
export const TagsInput = z.strictObject({
  add: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
  remove: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
  set: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
});
export type TagsInput = z.infer<typeof TagsInput>;
export const AssignInput = z.strictObject({ assigneeId: z.string().max(64).nullable().optional(), queue: z.string().trim().min(1).max(60).optional() });
export type AssignInput = z.infer<typeof AssignInput>;
export const MergeInput = z.strictObject({ sourceTicketIds: z.array(z.string().min(1).max(64)).min(1).max(20) });
/**
 * One action applied to many tickets. Each variant reuses the field rules of its single-ticket
 * endpoint; `assign` has no queue (re-routing a batch to a queue is not offered) and `tags` no `set`.
 */
export const BulkAction = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('status'), status: StatusInput.shape.status }),
  z.strictObject({ kind: z.literal('priority'), priority: PriorityInput.shape.priority }),
  z.strictObject({ kind: z.literal('assign'), assigneeId: z.string().max(64).nullable() }),
  z
    .strictObject({ kind: z.literal('tags'), add: TagsInput.shape.add, remove: TagsInput.shape.remove })
    .refine((a) => (a.add?.length ?? 0) + (a.remove?.length ?? 0) > 0, { message: 'give at least one tag to add or remove', path: ['add'] }),
]);
export type BulkAction = z.infer<typeof BulkAction>;
export const BULK_MAX = 100;
export const BulkInput = z.strictObject({
  ticketIds: z
    .array(z.string().min(1).max(64))
    .min(1)
    .max(BULK_MAX)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'ticket ids must be unique' }),
  action: BulkAction,
});
export type BulkInput = z.infer<typeof BulkInput>;
export const BulkResult = z.discriminatedUnion('ok', [
  z.object({ ticketId: z.string(), ok: z.literal(true) }),
  z.object({ ticketId: z.string(), ok: z.literal(false), code: z.string(), kind: z.string(), message: z.string() }),
]);
export type BulkResult = z.infer<typeof BulkResult>;
export const LinkInput = z.strictObject({ orderId: z.string().max(64).nullable().optional(), buyerId: z.string().max(64).nullable().optional() });

export const VIEWS = ['mine', 'unassigned', 'queue', 'status', 'all', 'open', 'breached', 'waiting_on_platform'] as const;
export const ListQuery = z.strictObject({
  view: z.enum(VIEWS).default('mine'),
  queue: z.string().max(60).optional(),
  status: TicketStatus.optional(),
  assigneeId: z.string().max(64).optional(),
  shopId: z.string().max(64).optional(),
  tag: z.string().max(60).optional(),
  channel: Channel.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const SearchQuery = z.strictObject({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});

export const MacroBodies = z
  .partialRecord(BuyerLanguage, z.string().trim().min(1).max(10_000))
  .refine((b) => typeof b.en === 'string', { message: 'an English body (en) is required as the fallback', path: ['en'] });
/** The status a reply made with the macro leaves the ticket in, unless the agent picks another button. */
export const DefaultStatusAfter = z.enum(['open', 'waiting_on_buyer', 'waiting_on_warehouse', 'waiting_on_platform', 'solved']);
export type DefaultStatusAfter = z.infer<typeof DefaultStatusAfter>;
export const CreateMacro = z.strictObject({
  key: z.string().trim().regex(/^[a-z0-9_]{2,60}$/, 'lower-case letters, digits and _'),
  name: z.string().trim().min(1).max(120),
  category: z.string().trim().min(1).max(60).default('general'),
  bodies: MacroBodies,
  defaultStatusAfter: DefaultStatusAfter.nullish(),
  /** Null or absent: every shop. */
  shopId: z.string().max(64).nullish(),
  /** The person who keeps this macro up to date (default: its author). */
  ownerUserId: z.string().max(64).nullish(),
});
export type CreateMacro = z.infer<typeof CreateMacro>;
export const UpdateMacro = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  category: z.string().trim().min(1).max(60).optional(),
  bodies: MacroBodies.optional(),
  active: z.boolean().optional(),
  defaultStatusAfter: DefaultStatusAfter.nullish(),
  shopId: z.string().max(64).nullish(),
  ownerUserId: z.string().max(64).nullish(),
});
export type UpdateMacro = z.infer<typeof UpdateMacro>;
export const RenderMacroInput = z.strictObject({
  ticketId: z.string().max(64).optional(),
  language: BuyerLanguage.optional(),
  variables: z.record(z.string(), z.string().max(2000)).optional(),
});

export const ScheduleInput = z.strictObject({
  timeZone: z.string().min(1).max(60),
  hours: z.record(z.string(), z.array(z.strictObject({ start: z.string(), end: z.string() }))),
});

export const InboundEmailTest = z.strictObject({
  shopId: z.string().min(1),
  from: z.string().email(),
  fromName: z.string().max(200).optional(),
  subject: z.string().max(300),
  text: z.string().min(1).max(20_000),
  messageId: z.string().max(300).optional(),
  inReplyTo: z.string().max(300).optional(),
  orderId: z.string().max(64).optional(),
});
export const InboundWhatsAppTest = z.strictObject({
  shopId: z.string().min(1),
  from: z.string().min(5).max(40),
  name: z.string().max(200).optional(),
  text: z.string().min(1).max(20_000),
  messageId: z.string().max(300).optional(),
  orderId: z.string().max(64).optional(),
});

export const TicketView = z.object({
  id: z.string(),
  number: z.number(),
  shopId: z.string(),
  channel: Channel,
  externalThreadId: z.string(),
  buyer: z.object({ id: z.string().nullable(), externalId: z.string().nullable(), name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() }),
  orderId: z.string().nullable(),
  livestreamSessionId: z.string().nullable(),
  subject: z.string(),
  status: TicketStatus,
  priority: Priority,
  language: z.string(),
  tags: z.array(z.string()),
  assigneeId: z.string().nullable(),
  queue: z.string(),
  slaDueAt: z.string().nullable(),
  mergedIntoId: z.string().nullable(),
  messageCount: z.number(),
  lastMessageAt: z.string().nullable(),
  lastMessagePreview: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  solvedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
});
export type TicketView = z.infer<typeof TicketView>;

export const MessageView = z.object({
  id: z.string(),
  ticketId: z.string(),
  kind: z.enum(['public', 'note']),
  direction: z.enum(['inbound', 'outbound']),
  channel: Channel,
  author: z.object({ type: z.enum(['buyer', 'user', 'system', 'platform']), id: z.string().nullable(), name: z.string().nullable() }),
  text: z.string(),
  language: z.string(),
  attachments: z.array(AttachmentRef),
  macroId: z.string().nullable(),
  deliveryStatus: z.enum(['queued', 'sent', 'failed']).nullable(),
  /** Why the channel refused the reply (when `failed`). */
  deliveryError: z.string().nullable(),
  /** A line the system wrote (automation, auto-close, acknowledgement): worded by the reader's UI. */
  event: z.object({ kind: z.string(), params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])) }).nullable(),
  movedFromTicketId: z.string().nullable(),
  channelMeta: ChannelMeta.nullable(),
  /** Machine-translated text: who checked it, or that nobody has yet. */
  machineDraft: MachineDraftView.nullable(),
  sentAt: z.string(),
});
export type MessageView = z.infer<typeof MessageView>;

export const MacroView = z.object({
  id: z.string(),
  key: z.string(),
  name: z.string(),
  category: z.string(),
  bodies: z.record(z.string(), z.string()),
  languages: z.array(z.string()),
  active: z.boolean(),
  defaultStatusAfter: DefaultStatusAfter.nullable(),
  updatedAt: z.string(),
  shopId: z.string().nullable(),
  ownerUserId: z.string().nullable(),
  version: z.number().int(),
  /** Per language, the placeholders the one variable resolver does not know (they would block sending). */
  unknownVariables: z.record(z.string(), z.array(z.string())),
});
export type MacroView = z.infer<typeof MacroView>;

export const RestoreMacroVersion = z.strictObject({ version: z.number().int().min(1) });
export type RestoreMacroVersion = z.infer<typeof RestoreMacroVersion>;
export const MacroVersionView = z.object({
  version: z.number().int(),
  name: z.string(),
  category: z.string(),
  bodies: z.record(z.string(), z.string()),
  shopId: z.string().nullable(),
  ownerUserId: z.string().nullable(),
  active: z.boolean(),
  defaultStatusAfter: DefaultStatusAfter.nullable(),
  authorUserId: z.string().nullable(),
  authorName: z.string().nullable(),
  createdAt: z.string(),
});
export type MacroVersionView = z.infer<typeof MacroVersionView>;
export const MacroVariablesView = z.object({ items: z.array(z.object({ name: z.string() })) });
export type MacroVariablesView = z.infer<typeof MacroVariablesView>;

// ---------- answers (the web app imports these types) ----------

export const TicketPage = pageOf(TicketView);
export const CountsView = z.object({ mine: z.number(), unassigned: z.number(), queues: z.record(z.string(), z.number()), statuses: z.record(z.string(), z.number()) });
export type CountsView = z.infer<typeof CountsView>;
export const SearchResultView = z.object({ items: z.array(z.object({ ticket: TicketView, snippet: z.string().nullable(), rank: z.number() })) });
export type SearchHit = z.infer<typeof SearchResultView>['items'][number];
export const TicketDetailView = z.object({ ticket: TicketView, messages: z.array(MessageView), otherTickets: z.array(TicketView) });
export const TicketSidebarView = z.object({ order: OrderSidebarView.nullable(), otherTickets: z.array(TicketView), trackingUrl: z.string().nullable() });
export type TicketSidebarView = z.infer<typeof TicketSidebarView>;
export const ReplyResultView = z.object({ message: MessageView, ticket: TicketView, outboxId: z.string() });
export const BulkResultView = z.object({ results: z.array(BulkResult) });
export const RerouteResultView = z.object({ ticket: TicketView, decision: z.object({ assigneeId: z.string().nullable(), reason: z.string(), wanted: z.array(z.string()) }) });
/** What re-routing one person's open tickets did, per ticket. */
export const AgentRerouteView = z.object({ items: z.array(z.object({ ticketId: z.string(), from: z.string().nullable(), to: z.string().nullable(), reason: z.string() })) });
export type AgentRerouteView = z.infer<typeof AgentRerouteView>;
const ScheduleView = z.object({ timeZone: z.string(), hours: z.record(z.string(), z.array(z.object({ start: z.string(), end: z.string() }))) });
/** An agent's working hours; null: always available. */
export const ScheduleAnswer = z.object({ schedule: ScheduleView.nullable() });
export const AgentView = z.object({
  id: z.string(),
  name: z.string(),
  role: z.string(),
  languages: z.array(z.string()),
  skills: z.array(z.string()),
  load: z.number(),
  onShift: z.boolean(),
  schedule: ScheduleView.nullable(),
});
export type AgentView = z.infer<typeof AgentView>;
export const IngestResult = z.object({ ticketId: z.string(), messageId: z.string(), created: z.boolean() });
export const RenderedMacroView = z.object({ language: z.string(), text: z.string(), missing: z.array(z.string()), fellBack: z.boolean(), variables: z.record(z.string(), z.string()) });
export type RenderedMacroView = z.infer<typeof RenderedMacroView>;

// ---------- inbox workspace: system lines, saved views, presence, variables, automations ----------

/** What a system line in the thread says, as a kind and its values (never stored prose). */
export interface ThreadEvent {
  kind: 'automation' | 'auto_close' | 'out_of_hours_ack' | 'action';
  params: Record<string, string | number | null>;
}

/** A saved inbox view: the list's filter under a name of the person's choosing. */
export const SavedViewFilter = z.strictObject({
  view: z.enum(VIEWS),
  queue: z.string().max(60).optional(),
  status: TicketStatus.optional(),
  shopId: z.string().max(64).optional(),
  channel: Channel.optional(),
  tag: z.string().max(60).optional(),
});
export type SavedViewFilter = z.infer<typeof SavedViewFilter>;
export const SavedViewInput = z.strictObject({ name: z.string().trim().min(1).max(60), filter: SavedViewFilter });
export const SavedViewView = z.object({ id: z.string(), name: z.string(), filter: SavedViewFilter, createdAt: z.string() });
export type SavedViewView = z.infer<typeof SavedViewView>;
export const SavedViewsView = z.object({ items: z.array(SavedViewView) });

/** Who else has the ticket open (seen within the last minute). */
export const ViewersView = z.object({ items: z.array(z.object({ userId: z.string(), name: z.string(), seenAt: z.string() })) });
export type ViewersView = z.infer<typeof ViewersView>;

/** 422 `tickets.unresolved_variables` details: the placeholders the text still carries. */
export const ResolveVariablesInput = z.strictObject({ text: z.string().max(20_000), variables: z.record(z.string().max(60), z.string().max(2000)).optional() });
export const ResolvedTextView = z.object({ text: z.string(), unresolved: z.array(z.string()), variables: z.record(z.string(), z.string()) });
export type ResolvedTextView = z.infer<typeof ResolvedTextView>;

/**
 * When a rule runs: a buyer opens a ticket (the default), the buyer writes again, someone changes
 * the status or adds a tag, the SLA warns, or the ticket has been quiet for `idleHours`.
 */
export const RULE_TRIGGERS = ['created', 'buyer_replied', 'status_changed', 'tag_added', 'sla_warning', 'idle'] as const;
export const RuleTrigger = z.enum(RULE_TRIGGERS);
export type RuleTrigger = z.infer<typeof RuleTrigger>;

export const RuleConditions = z.strictObject({
  channels: z.array(Channel).max(10).optional(),
  shopIds: z.array(z.string().min(1).max(64)).max(50).optional(),
  languages: z.array(BuyerLanguage).max(5).optional(),
  /** Every tag listed must be on the ticket. */
  tags: z.array(z.string().trim().min(1).max(60)).max(20).optional(),
  /** Order value bounds in minor units of the order's currency (a ticket without an order never matches a bound). */
  orderValueMin: z.number().int().nonnegative().optional(),
  orderValueMax: z.number().int().nonnegative().optional(),
  /** Product category of an order line. */
  categories: z.array(z.string().trim().min(1).max(120)).max(30).optional(),
  /** Words in the buyer's message (the first one, or the new one for "buyer replied"; any of them, case-insensitive). */
  keywords: z.array(z.string().trim().min(1).max(60)).max(30).optional(),
  /** The ticket's status (after the change, for "status changed") is one of these. */
  statuses: z.array(TicketStatus).max(7).optional(),
  /** For "idle": no message either way for this many hours. */
  idleHours: z.number().int().min(1).max(720).optional(),
});
export type RuleConditions = z.infer<typeof RuleConditions>;
export const RuleActions = z
  .strictObject({
    addTags: z.array(z.string().trim().min(1).max(60)).max(20).optional(),
    priority: Priority.optional(),
    assigneeId: z.string().min(1).max(64).optional(),
    queue: z.string().trim().min(1).max(60).optional(),
  })
  .refine((a) => !!(a.addTags?.length || a.priority || a.assigneeId || a.queue), { message: 'give at least one action', path: ['addTags'] });
export type RuleActions = z.infer<typeof RuleActions>;
const idleNeedsHours = (r: { trigger?: RuleTrigger; conditions?: RuleConditions }) => r.trigger !== 'idle' || !r.conditions || r.conditions.idleHours !== undefined;
export const AutomationRuleInput = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    active: z.boolean().default(true),
    position: z.number().int().min(0).max(10_000).optional(),
    trigger: RuleTrigger.default('created'),
    conditions: RuleConditions,
    actions: RuleActions,
  })
  .refine(idleNeedsHours, { message: 'an idle rule names its hours', path: ['conditions', 'idleHours'] });
export const AutomationRulePatch = z.strictObject({
  trigger: RuleTrigger.optional(),
  name: z.string().trim().min(1).max(120).optional(),
  active: z.boolean().optional(),
  position: z.number().int().min(0).max(10_000).optional(),
  conditions: RuleConditions.optional(),
  actions: RuleActions.optional(),
});
export const AutomationRuleView = z.object({ id: z.string(), name: z.string(), active: z.boolean(), position: z.number(), trigger: RuleTrigger, conditions: RuleConditions, actions: z.object({ addTags: z.array(z.string()).optional(), priority: Priority.optional(), assigneeId: z.string().optional(), queue: z.string().optional() }), updatedAt: z.string() });
export type AutomationRuleView = z.infer<typeof AutomationRuleView>;
export const AutomationRulesView = z.object({ items: z.array(AutomationRuleView) });
export const AutomationSettingsInput = z.strictObject({ autoCloseDays: z.number().int().min(1).max(90).nullable(), outOfHoursAck: z.boolean() });
export const AutomationSettingsView = z.object({ autoCloseDays: z.number().nullable(), outOfHoursAck: z.boolean() });
export type AutomationSettingsView = z.infer<typeof AutomationSettingsView>;
