import { ActionIcon, Alert, Anchor, Badge, Button, Center, Combobox, FileButton, Group, Image, Loader, ScrollArea, SegmentedControl, Select, Stack, Switch, TagsInput, Text, Textarea, TextInput, Tooltip, useCombobox } from '@mantine/core';
import { IconArrowLeft, IconCheck, IconDownload, IconEye, IconHourglass, IconLanguage, IconLock, IconPaperclip, IconRobot, IconSend, IconTemplate, IconX } from '@tabler/icons-react';
import {useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { SuggestedAnswers } from '../knowledge/SuggestedAnswers';
import { PRIORITIES, renderMacro, SETTABLE_STATUSES, uploadAttachment, useMacros, useTeam, useTicket, useTicketMutation, fileUrl, type AttachmentRef, type MessageView, type Priority, type RenderedMacro, type TicketStatus, type TicketView } from './api';
import { ChannelIcon, LanguageTag, TicketSla } from './bits';
import { COMMENT_REPLY_MAX, PublicReplyWarning, VideoCommentBar, WhatsAppWindowNotice } from './VideoComment';
import { ActionLine } from './ActionLine';
import { ConfirmUnreviewed, DraftReviewNotice, MessageDraftBadge, type ComposerDraft } from './MachineDraft';
import { IncidentBanner } from '../incidents/IncidentBanner';
import { placeholders, resolveText, useAgents, useTranslationPreference, useTranslations, useViewers, type TranslationView } from './api';
import { formatterFor } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';

export interface ComposeRequest {
  mode: 'reply' | 'note';
  /** Changes on every key press so the same mode can be requested twice. */
  n: number;
}

export function TicketPane({ ticketId, compose, names, onClose }: { ticketId: string; compose: ComposeRequest | null; names: Map<string, string>; onClose: () => void }) {
  const { t } = useTranslation('inbox');
  const message = useErrorMessage();
  const q = useTicket(ticketId);
  const bottom = useRef<HTMLDivElement>(null);
  const count = q.data?.messages.length ?? 0;
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [count]);

  if (q.isPending)
    return (
      <section className="ad-inbox-ticket">
        <Center py="xl">
          <Loader size="sm" />
        </Center>
      </section>
    );
  if (q.error || !q.data)
    return (
      <section className="ad-inbox-ticket">
        <Alert color="red" m="md" role="alert">
          {message(q.error)}
        </Alert>
      </section>
    );
  const { ticket, messages } = q.data;
  return (
    <section className="ad-inbox-ticket" aria-label={t('ticket.label', { number: ticket.number })} data-testid="ticket-pane" data-ticket-id={ticket.id}>
      <TicketHeader ticket={ticket} names={names} onClose={onClose} />
      <Viewers ticketId={ticket.id} />
      <IncidentBanner ticketId={ticket.id} />
      <TranslateToggle language={ticket.language} />
      <ScrollArea className="ad-inbox-thread" data-testid="thread">
        <Stack gap="sm" p="md">
          {messages.map((m) => (m.event?.kind === 'action' ? <ActionLine key={m.id} m={m} /> : m.event ? <SystemLine key={m.id} m={m} names={names} /> : <MessageBubble key={m.id} m={m} ticketId={ticket.id} />))}
          <div ref={bottom} />
        </Stack>
      </ScrollArea>
      <Composer ticket={ticket} compose={compose} lastInboundAt={messages.filter((m) => m.direction === 'inbound' && m.kind === 'public' && !m.event).at(-1)?.sentAt ?? null} />
    </section>
  );
}

function TicketHeader({ ticket, names, onClose }: { ticket: TicketView; names: Map<string, string>; onClose: () => void }) {
  const { t } = useTranslation('inbox');
  const { user, can } = useSession();
  const message = useErrorMessage();
  const supervisor = can(['owner', 'supervisor']);
  const team = useTeam(supervisor);
  const setStatus = useTicketMutation(ticket.id, (status: TicketStatus) => api.post<TicketView>(`/api/tickets/${ticket.id}/status`, { status }));
  const setPriority = useTicketMutation(ticket.id, (priority: Priority) => api.post<TicketView>(`/api/tickets/${ticket.id}/priority`, { priority }));
  const setTags = useTicketMutation(ticket.id, (tags: string[]) => api.post<TicketView>(`/api/tickets/${ticket.id}/tags`, { set: tags }));
  const assign = useTicketMutation(ticket.id, (assigneeId: string | null) => api.post<TicketView>(`/api/tickets/${ticket.id}/assign`, { assigneeId }));
  const failed = [setStatus, setPriority, setTags, assign].find((m) => m.error);
  const assignees = supervisor
    ? (team.data?.items ?? []).filter((u) => u.role !== 'warehouse' && u.active !== false).map((u) => ({ value: u.id, label: u.name }))
    : [{ value: user.id, label: t('ticket.me', { name: user.name }) }, ...(ticket.assigneeId && ticket.assigneeId !== user.id ? [{ value: ticket.assigneeId, label: names.get(ticket.assigneeId) ?? t('ticket.someone') }] : [])];
  const buyer = ticket.buyer.name ?? ticket.buyer.email ?? ticket.buyer.phone ?? t('ticket.unknownBuyer');
  return (
    <div className="ad-inbox-ticket-head">
      <Group gap="xs" wrap="nowrap" justify="space-between">
        <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
          <Tooltip label={t('ticket.back')}>
            <ActionIcon variant="subtle" color="gray" size="sm" onClick={onClose} aria-label={t('ticket.back')}>
              <IconArrowLeft size={16} />
            </ActionIcon>
          </Tooltip>
          <ChannelIcon channel={ticket.channel} size={18} />
          <Text fw={600} size="md" truncate data-testid="ticket-title">
            {ticket.subject}
          </Text>
        </Group>
        <Group gap={8} wrap="nowrap" style={{ flex: 'none' }}>
          <TicketSla ticket={ticket} />
          <Text size="xs" c="dimmed">
            #{ticket.number}
          </Text>
        </Group>
      </Group>
      <Group gap={8} mt={4} wrap="nowrap">
        <Text size="xs" c="dimmed" truncate>
          {buyer}
          {ticket.buyer.email && ticket.buyer.name ? ` · ${ticket.buyer.email}` : ''}
          {ticket.buyer.phone && ticket.buyer.name ? ` · ${ticket.buyer.phone}` : ''} · {t(`channels.${ticket.channel}`)}
        </Text>
        <LanguageTag language={ticket.language} />
      </Group>
      <Group gap={6} mt={8} wrap="wrap" align="flex-end">
        <Select
          size="xs"
          w={170}
          label={t('ticket.status')}
          data={[...(ticket.status === 'new' ? ['new' as const] : []), ...SETTABLE_STATUSES].map((s) => ({ value: s, label: t(`statuses.${s}`), disabled: s === 'new' }))}
          value={ticket.status}
          onChange={(v) => v && v !== ticket.status && setStatus.mutate(v as TicketStatus)}
          allowDeselect={false}
          data-testid="status-select"
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          size="xs"
          w={104}
          label={t('ticket.priority')}
          data={PRIORITIES.map((p) => ({ value: p, label: t(`priorities.${p}`) }))}
          value={ticket.priority}
          onChange={(v) => v && v !== ticket.priority && setPriority.mutate(v as Priority)}
          allowDeselect={false}
          data-testid="priority-select"
        />
        <Select
          size="xs"
          w={190}
          label={t('ticket.assignee')}
          placeholder={t('ticket.unassigned')}
          data={assignees}
          value={ticket.assigneeId}
          onChange={(v) => assign.mutate(v)}
          clearable
          data-testid="assignee-select"
        />
        <TagsInput
          size="xs"
          style={{ flex: 1, minWidth: 140 }}
          label={t('ticket.tags')}
          placeholder={ticket.tags.length ? undefined : t('ticket.addTag')}
          value={ticket.tags}
          onChange={(v) => setTags.mutate(v)}
          clearable={false}
          data-testid="tags-input"
        />
      </Group>
      {failed?.error && (
        <Text size="xs" c="red" mt={4} role="alert">
          {message(failed.error)}
        </Text>
      )}
    </div>
  );
}

function when(iso: string, lang: string): string {
  return formatterFor(lang).shortDateTime(iso);
}

/** "Always show translated": the reader's own default, offered when the buyer writes another language. */
function TranslateToggle({ language }: { language: string }) {
  const { t, i18n } = useTranslation('inbox');
  const pref = useTranslationPreference();
  const qc = useQueryClient();
  const save = useApiMutation({
    mutationFn: (alwaysTranslate: boolean) => api.put<{ alwaysTranslate: boolean }>('/api/translation/preference', { alwaysTranslate }),
    onSuccess: (d) => qc.setQueryData(['translation', 'pref'], d),
  });
  if (language === i18n.language.slice(0, 2) || !pref.data) return null;
  return (
    <Group justify="flex-end" px="md" pt={6}>
      <Switch size="xs" label={t('translate.always')} checked={pref.data.alwaysTranslate} onChange={(e) => save.mutate(e.currentTarget.checked)} data-testid="always-translate" />
    </Group>
  );
}

/** Who else has this ticket open right now (the collision warning). */
function Viewers({ ticketId }: { ticketId: string }) {
  const { t } = useTranslation('inbox');
  const v = useViewers(ticketId);
  const others = v.data?.items ?? [];
  if (!others.length) return null;
  return (
    <Alert color="orange" variant="light" py={6} px="md" radius={0} icon={<IconEye size={16} />} data-testid="collision-warning">
      <Text size="xs">{t('presence.alsoViewing', { names: others.map((o) => o.name).join(', '), count: others.length })}</Text>
    </Alert>
  );
}

/** A line the system wrote (automation, out-of-hours acknowledgement, auto-close), worded here. */
function SystemLine({ m, names }: { m: MessageView; names: Map<string, string> }) {
  const { t, i18n } = useTranslation('inbox');
  const e = m.event!;
  const p = e.params;
  const parts: string[] = [];
  if (e.kind === 'automation') {
    if (p.tags) parts.push(t('events.addTags', { tags: p.tags }));
    if (p.priority) parts.push(t('events.setPriority', { priority: t(`priorities.${p.priority}`) }));
    if (p.assigneeId) parts.push(t('events.assign', { name: names.get(String(p.assigneeId)) ?? t('ticket.someone') }));
    if (p.queue) parts.push(t('events.route', { queue: p.queue }));
  }
  const text =
    e.kind === 'automation'
      ? p.trigger && p.trigger !== 'created'
        ? t('events.automationOn', { rule: p.rule, trigger: t(`events.triggered.${p.trigger}`, { defaultValue: String(p.trigger) }), actions: parts.join(', ') })
        : t('events.automation', { rule: p.rule, actions: parts.join(', ') })
      : e.kind === 'out_of_hours_ack'
        ? t('events.outOfHours', { at: formatterFor(i18n.language).dayTime(String(p.answerBy)) })
        : t('events.autoClose', { days: p.days });
  return (
    <div className="ad-system-line" data-testid="system-line" data-event={e.kind}>
      <Group gap={6} justify="center" wrap="nowrap">
        <IconRobot size={14} />
        <Text size="xs" c="dimmed">
          {text} · {when(m.sentAt, i18n.language)}
        </Text>
      </Group>
      {m.kind === 'public' && (
        <Text size="xs" className="ad-msg-text" c="dimmed" ta="center" mt={2} data-testid="message-text">
          {m.text}
        </Text>
      )}
      {m.deliveryStatus && (
        <Group justify="center" mt={2}>
          <DeliveryBadge m={m} />
        </Group>
      )}
    </div>
  );
}

function DeliveryBadge({ m }: { m: MessageView }) {
  const { t } = useTranslation('inbox');
  if (!m.deliveryStatus) return null;
  const badge = (
    <Badge size="xs" variant="light" radius="sm" color={m.deliveryStatus === 'failed' ? 'red' : m.deliveryStatus === 'sent' ? 'teal' : 'gray'} data-testid="delivery-status">
      {t(`thread.delivery.${m.deliveryStatus}`)}
    </Badge>
  );
  return m.deliveryStatus === 'failed' && m.deliveryError ? (
    <Tooltip label={t('thread.failedBecause', { reason: m.deliveryError })} multiline w={260}>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}

function MessageBubble({ m, ticketId }: { m: MessageView; ticketId: string }) {
  const { t, i18n } = useTranslation('inbox');
  const message = useErrorMessage();
  const target = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const pref = useTranslationPreference();
  const stored = useTranslations(ticketId, target);
  const qc = useQueryClient();
  const translation = stored.data?.items.find((x) => x.messageId === m.id);
  const [show, setShow] = useState(false);
  const translate = useApiMutation({
    // Its error is shown beside the control (from .error), not as a toast.
    onError: () => undefined,
    mutationFn: () => api.post<{ items: TranslationView[] }>(`/api/tickets/${ticketId}/translate`, { target, messageIds: [m.id] }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['inbox', 'translations', ticketId, target] }),
  });
  const foreign = m.direction === 'inbound' && m.kind === 'public' && m.language !== target.slice(0, 2) && m.text.trim().length > 0;
  const always = !!pref.data?.alwaysTranslate;
  useEffect(() => {
    if (foreign && always && stored.isSuccess && !translation && translate.isIdle) translate.mutate();
  }, [foreign, always, stored.isSuccess, translation, translate]);
  const visible = translation && (show || always);
  const note = m.kind === 'note';
  const cls = note ? 'ad-msg ad-msg--note' : m.direction === 'inbound' ? 'ad-msg ad-msg--in' : 'ad-msg ad-msg--out';
  const author = m.author.name ?? (m.author.type === 'buyer' ? t('thread.buyer') : m.author.type === 'system' ? t('thread.system') : m.author.type === 'platform' ? t('thread.platform') : t('thread.agent'));
  return (
    <div className={cls} data-testid="message" data-kind={m.kind} data-direction={m.direction} data-message-id={m.id}>
      <Group gap={6} justify="space-between" wrap="nowrap" mb={4}>
        <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
          {note && (
            <Badge size="xs" color="yellow" variant="filled" radius="sm" leftSection={<IconLock size={10} />} data-testid="note-badge">
              {t('thread.internalNote')}
            </Badge>
          )}
          <Text size="xs" fw={600} truncate>
            {author}
          </Text>
          {!note && (
            <Text size="xs" c="dimmed">
              {m.direction === 'inbound' ? t('thread.inbound') : t('thread.outbound')}
            </Text>
          )}
        </Group>
        <Group gap={6} wrap="nowrap">
          {m.deliveryStatus && <DeliveryBadge m={m} />}
          {foreign && (
            <Tooltip label={visible ? t('translate.showOriginal') : t('translate.translate')}>
              <ActionIcon size="xs" variant={visible ? 'filled' : 'subtle'} color="gray" loading={translate.isPending} onClick={() => (translation ? setShow((s) => !s) : (setShow(true), translate.mutate()))} aria-label={t('translate.translate')} data-testid="translate-message">
                <IconLanguage size={13} />
              </ActionIcon>
            </Tooltip>
          )}
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {when(m.sentAt, i18n.language)}
          </Text>
        </Group>
      </Group>
      {/* Buyer text stays exactly as written; a translation shows beside it, never instead of it. */}
      <Text size="sm" className="ad-msg-text" data-testid="message-text">
        {m.text}
      </Text>
      {m.machineDraft && (
        <Group mt={4} gap={4}>
          <MessageDraftBadge m={m} />
        </Group>
      )}
      {visible && (
        <div className="ad-translation" data-testid="translation">
          <Text size="xs" c="dimmed">
            {t('translate.label', { from: (translation.sourceLanguage ?? m.language).toUpperCase(), provider: translation.provider })}
          </Text>
          <Text size="sm" className="ad-msg-text">
            {translation.text}
          </Text>
        </div>
      )}
      {translate.error && (
        <Text size="xs" c="red" role="alert">
          {message(translate.error)}
        </Text>
      )}
      {m.attachments.length > 0 && <Attachments items={m.attachments} />}
      {m.channelMeta?.videoComment && <VideoCommentBar m={m} />}
    </div>
  );
}

function Attachments({ items }: { items: AttachmentRef[] }) {
  const { t } = useTranslation('inbox');
  return (
    <Group gap={8} mt={8} data-testid="attachments">
      {items.map((a, i) => {
        const href = a.sha256 ? fileUrl(a.sha256) : a.url;
        const image = (a.contentType ?? '').startsWith('image/') || /\.(jpe?g|png|webp|gif)$/i.test(a.fileName ?? a.url ?? '');
        const name = a.fileName ?? t('thread.attachment', { n: i + 1 });
        return (
          <Anchor key={i} href={href} target="_blank" rel="noreferrer" download={a.sha256 && !image ? name : undefined} className="ad-attachment" data-testid="attachment">
            {image && href ? <Image src={href} alt={name} w={96} h={72} radius="sm" fit="cover" /> : <IconDownload size={16} />}
            <Text size="xs" truncate maw={image ? 96 : 200}>
              {name}
              {a.size ? ` · ${Math.max(1, Math.round(a.size / 1024))} KB` : ''}
            </Text>
          </Anchor>
        );
      })}
    </Group>
  );
}

function MacroPicker({ onPick, disabled, shopId }: { onPick: (macroId: string) => void; disabled: boolean; shopId: string }) {
  const { t } = useTranslation('inbox');
  const macros = useMacros();
  const [search, setSearch] = useState('');
  const combobox = useCombobox({ onDropdownClose: () => setSearch('') });
  // A macro written for one shop is offered only on that shop's tickets.
  const items = (macros.data?.items ?? []).filter((m) => (!m.shopId || m.shopId === shopId) && (!search || `${m.name} ${m.category} ${m.key}`.toLowerCase().includes(search.toLowerCase())));
  return (
    <Combobox store={combobox} onOptionSubmit={(id) => { onPick(id); combobox.closeDropdown(); }} width={320} position="top-start">
      <Combobox.Target>
        <Button size="xs" variant="default" leftSection={<IconTemplate size={14} />} onClick={() => combobox.toggleDropdown()} disabled={disabled} data-testid="macro-button">
          {t('composer.macro')}
        </Button>
      </Combobox.Target>
      <Combobox.Dropdown>
        <Combobox.Search value={search} onChange={(e) => setSearch(e.currentTarget.value)} placeholder={t('composer.macroSearch')} data-testid="macro-search" />
        <Combobox.Options mah={260} style={{ overflowY: 'auto' }}>
          {macros.isPending && <Combobox.Empty>{t('composer.loading')}</Combobox.Empty>}
          {!macros.isPending && items.length === 0 && <Combobox.Empty>{t('composer.noMacros')}</Combobox.Empty>}
          {items.map((m) => (
            <Combobox.Option key={m.id} value={m.id} data-testid="macro-option">
              <Group justify="space-between" wrap="nowrap" gap={6}>
                <Text size="sm" truncate>
                  {m.name}
                </Text>
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  {m.languages.map((l) => l.toUpperCase()).join(' ')}
                </Text>
              </Group>
            </Combobox.Option>
          ))}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}

type SendAction = 'open' | 'waiting_on_buyer' | 'solved';
const SEND_ACTIONS: readonly SendAction[] = ['open', 'waiting_on_buyer', 'solved'];

function Composer({ ticket, compose, lastInboundAt }: { ticket: TicketView; compose: ComposeRequest | null; lastInboundAt: string | null }) {
  const { t } = useTranslation('inbox');
  const message = useErrorMessage();
  const macros = useMacros();
  const agents = useAgents();
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [macro, setMacro] = useState<{ id: string; rendered: RenderedMacro } | null>(null);
  const [files, setFiles] = useState<AttachmentRef[]>([]);
  const [uploading, setUploading] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [translatedTo, setTranslatedTo] = useState<string | null>(null);
  const [draft, setDraft] = useState<ComposerDraft | null>(null);
  const [confirming, setConfirming] = useState<SendAction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!compose) return;
    setMode(compose.mode);
    // After the mode's re-render, so the key that asked for focus is not typed into the box.
    requestAnimationFrame(() => area.current?.focus());
  }, [compose]);

  const reply = useTicketMutation(ticket.id, ({ status, confirmUnreviewed }: { status: SendAction; confirmUnreviewed?: boolean }) =>
    api.post(`/api/tickets/${ticket.id}/reply`, {
      text: text.trim(),
      status,
      ...(macro ? { macroId: macro.id } : {}),
      ...(files.length ? { attachments: files } : {}),
      ...(draft ? { machineDraft: { provider: draft.provider, to: draft.to, reviewed: draft.reviewed, ...(confirmUnreviewed ? { confirmUnreviewed: true } : {}) } } : {}),
    }),
  );
  const note = useTicketMutation(ticket.id, () => api.post(`/api/tickets/${ticket.id}/notes`, { text: text.trim(), ...(files.length ? { attachments: files } : {}) }));
  const busy = reply.isPending || note.isPending;
  const isNote = mode === 'note';
  // The macro says what a reply made with it leaves the ticket in; otherwise the buyer owes the next word.
  const macroDefault = macro ? macros.data?.items.find((m) => m.id === macro.id)?.defaultStatusAfter : null;
  const defaultAction: SendAction = macroDefault && (SEND_ACTIONS as readonly string[]).includes(macroDefault) ? (macroDefault as SendAction) : 'waiting_on_buyer';
  const unresolved = isNote ? [] : placeholders(text);
  // A reply on a video comment is posted publicly under it.
  const publicComment = !isNote && ticket.channel === 'video_comment';

  // @mentions: the word being typed after an @ suggests team members.
  const mentionQuery = isNote ? (/(?:^|\s)@([\p{L}\p{N}. -]{0,30})$/u.exec(text)?.[1] ?? null) : null;
  const suggestions = mentionQuery === null ? [] : (agents.data?.items ?? []).filter((a) => a.name.toLowerCase().startsWith(mentionQuery.trimStart().toLowerCase())).slice(0, 6);
  const insertMention = (name: string) => {
    setText((cur) => cur.replace(/@([\p{L}\p{N}. -]{0,30})$/u, `@${name} `));
    requestAnimationFrame(() => area.current?.focus());
  };

  async function pickMacro(id: string) {
    setError(null);
    try {
      const rendered = await renderMacro(id, ticket.id);
      setMacro({ id, rendered });
      setMode('reply');
      setText(rendered.text);
      setValues({});
      requestAnimationFrame(() => area.current?.focus());
    } catch (e) {
      setError(message(e));
    }
  }

  async function fillVariables() {
    setError(null);
    try {
      const r = await resolveText(ticket.id, text, Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim())));
      setText(r.text);
    } catch (e) {
      setError(message(e));
    }
  }

  async function translateDraft() {
    setError(null);
    try {
      const r = await api.post<{ text: string; target: string; provider: string }>(`/api/tickets/${ticket.id}/translate-draft`, { text: text.trim() });
      setText(r.text);
      setTranslatedTo(r.target);
      setDraft({ provider: r.provider, to: r.target, reviewed: false });
    } catch (e) {
      setError(message(e));
    }
  }

  async function attach(file: File | null) {
    if (!file) return;
    setUploading(true);
    setError(null);
    try {
      const a = await uploadAttachment(ticket.id, file);
      setFiles((f) => [...f, a]);
    } catch (e) {
      setError(message(e));
    } finally {
      setUploading(false);
    }
  }

  async function send(action: SendAction = defaultAction, confirmUnreviewed = false) {
    if (!text.trim() || busy) return;
    if (!isNote && unresolved.length) {
      setError(t('composer.fillFirst'));
      return;
    }
    // A machine translation nobody checked goes out only when the sender says so.
    if (!isNote && draft && !draft.reviewed && !confirmUnreviewed) {
      setConfirming(action);
      return;
    }
    setError(null);
    try {
      if (isNote) await note.mutateAsync(undefined);
      else await reply.mutateAsync({ status: action, confirmUnreviewed });
      setText('');
      setMacro(null);
      setFiles([]);
      setValues({});
      setTranslatedTo(null);
      setDraft(null);
    } catch (e) {
      setError(message(e));
    }
  }

  return (
    <div className={`ad-composer ${isNote ? 'ad-composer--note' : ''}`} data-testid="composer" data-mode={mode}>
      <Group justify="space-between" gap={6} mb={6} wrap="wrap">
        <SegmentedControl
          size="xs"
          value={mode}
          onChange={(v) => setMode(v as 'reply' | 'note')}
          data={[
            { value: 'reply', label: t('composer.reply') },
            { value: 'note', label: t('composer.note') },
          ]}
          data-testid="composer-mode"
        />
        <Group gap={6} wrap="nowrap">
          <MacroPicker onPick={(id) => void pickMacro(id)} disabled={busy} shopId={ticket.shopId} />
          {!isNote && (
            <Tooltip label={t('translate.draftHint', { language: ticket.language.toUpperCase() })}>
              <Button size="xs" variant="default" leftSection={<IconLanguage size={14} />} onClick={() => void translateDraft()} disabled={!text.trim() || busy} data-testid="translate-draft">
                {ticket.language.toUpperCase()}
              </Button>
            </Tooltip>
          )}
          <FileButton onChange={(f) => void attach(f)}>
            {(props) => (
              <Button {...props} size="xs" variant="default" leftSection={<IconPaperclip size={14} />} loading={uploading} data-testid="attach-button">
                {t('composer.attach')}
              </Button>
            )}
          </FileButton>
        </Group>
      </Group>
      {macro && (
        <Group gap={6} mb={4} data-testid="macro-info">
          <Badge size="xs" variant="light" radius="sm">
            {t('composer.macroLanguage', { language: macro.rendered.language.toUpperCase() })}
          </Badge>
          {macro.rendered.fellBack && (
            <Text size="xs" c="orange">
              {t('composer.fellBack')}
            </Text>
          )}
        </Group>
      )}
      {translatedTo && !draft && (
        <Badge size="xs" variant="light" color="grape" radius="sm" mb={4} data-testid="draft-translated">
          {t('translate.draftDone', { language: translatedTo.toUpperCase() })}
        </Badge>
      )}
      {publicComment && <PublicReplyWarning length={text.trim().length} />}
      {!isNote && ticket.channel === 'whatsapp' && <WhatsAppWindowNotice lastInboundAt={lastInboundAt} />}
      {!isNote && (
        <SuggestedAnswers
          ticketId={ticket.id}
          onInsert={(answer) => {
            setText((cur) => (cur.trim() ? `${cur.trimEnd()}\n\n${answer}` : answer));
            requestAnimationFrame(() => area.current?.focus());
          }}
        />
      )}
      {draft && !isNote && <DraftReviewNotice draft={draft} onReviewed={() => setDraft({ ...draft, reviewed: true })} />}
      <ConfirmUnreviewed
        opened={confirming !== null}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          const a = confirming ?? defaultAction;
          setConfirming(null);
          void send(a, true);
        }}
      />
      <Textarea
        ref={area}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void send();
          }
        }}
        placeholder={isNote ? t('composer.notePlaceholder') : t('composer.replyPlaceholder', { channel: t(`channels.${ticket.channel}`) })}
        aria-label={isNote ? t('composer.note') : t('composer.reply')}
        autosize
        minRows={3}
        maxRows={10}
        error={unresolved.length > 0 || (publicComment && text.trim().length > COMMENT_REPLY_MAX)}
        data-testid="composer-text"
      />
      {suggestions.length > 0 && (
        <Group gap={4} mt={4} data-testid="mention-suggestions">
          {suggestions.map((a) => (
            <Button key={a.id} size="compact-xs" variant="light" onClick={() => insertMention(a.name)} data-testid="mention-option">
              @{a.name}
            </Button>
          ))}
        </Group>
      )}
      {unresolved.length > 0 && (
        <div className="ad-vars" data-testid="unresolved-variables">
          <Text size="xs" c="orange.8" fw={600}>
            {t('composer.unresolved', { count: unresolved.length })}
          </Text>
          <Group gap={6} mt={4} align="flex-end" wrap="wrap">
            {unresolved.map((v) => (
              <TextInput key={v} size="xs" w={170} label={`{{${v}}}`} value={values[v] ?? ''} onChange={(e) => {
                  const value = e.currentTarget.value;
                  setValues((cur) => ({ ...cur, [v]: value }));
                }} data-testid={`var-${v}`} />
            ))}
            <Button size="xs" variant="light" color="orange" onClick={() => void fillVariables()} data-testid="fill-variables">
              {t('composer.fill')}
            </Button>
          </Group>
        </div>
      )}
      {files.length > 0 && (
        <Group gap={6} mt={6}>
          {files.map((f, i) => (
            <Badge key={`${f.sha256}-${i}`} variant="outline" color="gray" radius="sm" data-testid="pending-attachment" rightSection={<IconX size={10} style={{ cursor: 'pointer' }} onClick={() => setFiles((all) => all.filter((_, j) => j !== i))} />}>
              {f.fileName}
            </Badge>
          ))}
        </Group>
      )}
      {error && (
        <Text size="xs" c="red" mt={4} role="alert" data-testid="composer-error">
          {error}
        </Text>
      )}
      <Group justify="space-between" mt={8} wrap="wrap" gap={6}>
        <Text size="xs" c="dimmed">
          {isNote ? t('composer.noteHint') : t('composer.replyHint')}
        </Text>
        {isNote ? (
          <Button size="xs" color="yellow" leftSection={<IconLock size={14} />} onClick={() => void send()} loading={busy} disabled={!text.trim()} data-testid="send-button">
            {t('composer.addNote')}
          </Button>
        ) : (
          <Group gap={6} wrap="wrap" justify="flex-end">
            {SEND_ACTIONS.map((a) => (
              <Button
                key={a}
                size="xs"
                variant={a === defaultAction ? 'filled' : 'default'}
                leftSection={a === 'solved' ? <IconCheck size={14} /> : a === 'waiting_on_buyer' ? <IconHourglass size={14} /> : <IconSend size={14} />}
                onClick={() => void send(a)}
                loading={busy && a === reply.variables?.status}
                disabled={!text.trim() || busy || unresolved.length > 0}
                data-testid={a === defaultAction ? 'send-button' : `send-${a}`}
                data-action={a}
              >
                {t(`composer.sendAs.${a}`)}
              </Button>
            ))}
          </Group>
        )}
      </Group>
    </div>
  );
}
