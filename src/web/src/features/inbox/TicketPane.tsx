import { ActionIcon, Alert, Anchor, Badge, Button, Center, Combobox, FileButton, Group, Image, Loader, ScrollArea, SegmentedControl, Select, Stack, TagsInput, Text, Textarea, Tooltip, useCombobox } from '@mantine/core';
import { IconArrowLeft, IconDownload, IconLock, IconPaperclip, IconSend, IconTemplate, IconX } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { useSession } from '../../lib/session';
import { PRIORITIES, renderMacro, SETTABLE_STATUSES, uploadAttachment, useMacros, useTeam, useTicket, useTicketMutation, fileUrl, type AttachmentRef, type MessageView, type Priority, type RenderedMacro, type TicketStatus, type TicketView } from './api';
import { ChannelIcon, LanguageTag, TicketSla } from './bits';

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
      <ScrollArea className="ad-inbox-thread" data-testid="thread">
        <Stack gap="sm" p="md">
          {messages.map((m) => (
            <MessageBubble key={m.id} m={m} />
          ))}
          <div ref={bottom} />
        </Stack>
      </ScrollArea>
      <Composer ticket={ticket} compose={compose} />
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
  return new Date(iso).toLocaleString(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function MessageBubble({ m }: { m: MessageView }) {
  const { t, i18n } = useTranslation('inbox');
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
          {m.deliveryStatus && (
            <Badge size="xs" variant="light" radius="sm" color={m.deliveryStatus === 'failed' ? 'red' : m.deliveryStatus === 'sent' ? 'teal' : 'gray'} data-testid="delivery-status">
              {t(`thread.delivery.${m.deliveryStatus}`)}
            </Badge>
          )}
          <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
            {when(m.sentAt, i18n.language)}
          </Text>
        </Group>
      </Group>
      {/* Buyer text stays exactly as written (no translation), line breaks kept. */}
      <Text size="sm" className="ad-msg-text" data-testid="message-text">
        {m.text}
      </Text>
      {m.attachments.length > 0 && <Attachments items={m.attachments} />}
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

function MacroPicker({ onPick, disabled }: { onPick: (macroId: string) => void; disabled: boolean }) {
  const { t } = useTranslation('inbox');
  const macros = useMacros();
  const [search, setSearch] = useState('');
  const combobox = useCombobox({ onDropdownClose: () => setSearch('') });
  const items = (macros.data?.items ?? []).filter((m) => !search || `${m.name} ${m.category} ${m.key}`.toLowerCase().includes(search.toLowerCase()));
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

type SendStatus = 'auto' | TicketStatus;

function Composer({ ticket, compose }: { ticket: TicketView; compose: ComposeRequest | null }) {
  const { t } = useTranslation('inbox');
  const message = useErrorMessage();
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [macro, setMacro] = useState<{ id: string; rendered: RenderedMacro } | null>(null);
  const [files, setFiles] = useState<AttachmentRef[]>([]);
  const [uploading, setUploading] = useState(false);
  const [sendStatus, setSendStatus] = useState<SendStatus>('auto');
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (!compose) return;
    setMode(compose.mode);
    // After the mode's re-render, so the key that asked for focus is not typed into the box.
    requestAnimationFrame(() => area.current?.focus());
  }, [compose]);

  const reply = useTicketMutation(ticket.id, () =>
    api.post(`/api/tickets/${ticket.id}/reply`, { text: text.trim(), ...(macro ? { macroId: macro.id } : {}), ...(files.length ? { attachments: files } : {}), ...(sendStatus !== 'auto' ? { status: sendStatus } : {}) }),
  );
  const note = useTicketMutation(ticket.id, () => api.post(`/api/tickets/${ticket.id}/notes`, { text: text.trim(), ...(files.length ? { attachments: files } : {}) }));
  const busy = reply.isPending || note.isPending;

  async function pickMacro(id: string) {
    setError(null);
    try {
      const rendered = await renderMacro(id, ticket.id);
      setMacro({ id, rendered });
      setMode('reply');
      setText(rendered.text);
      requestAnimationFrame(() => area.current?.focus());
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

  async function send() {
    if (!text.trim() || busy) return;
    setError(null);
    try {
      await (mode === 'reply' ? reply : note).mutateAsync(undefined);
      setText('');
      setMacro(null);
      setFiles([]);
      setSendStatus('auto');
    } catch (e) {
      setError(message(e));
    }
  }

  const isNote = mode === 'note';
  return (
    <div className={`ad-composer ${isNote ? 'ad-composer--note' : ''}`} data-testid="composer" data-mode={mode}>
      <Group justify="space-between" gap={6} mb={6} wrap="nowrap">
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
          <MacroPicker onPick={(id) => void pickMacro(id)} disabled={busy} />
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
          {macro.rendered.missing.length > 0 && (
            <Text size="xs" c="orange" data-testid="macro-missing">
              {t('composer.missing', { vars: macro.rendered.missing.join(', ') })}
            </Text>
          )}
        </Group>
      )}
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
        data-testid="composer-text"
      />
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
      <Group justify="space-between" mt={8} wrap="nowrap">
        <Text size="xs" c="dimmed">
          {isNote ? t('composer.noteHint') : t('composer.replyHint')}
        </Text>
        <Group gap={6} wrap="nowrap">
          {!isNote && (
            <Select
              size="xs"
              w={190}
              aria-label={t('composer.thenSet')}
              value={sendStatus}
              onChange={(v) => setSendStatus((v ?? 'auto') as SendStatus)}
              allowDeselect={false}
              data={[{ value: 'auto', label: t('composer.statusAuto') }, ...SETTABLE_STATUSES.filter((s) => s !== 'closed').map((s) => ({ value: s, label: t('composer.thenStatus', { status: t(`statuses.${s}`) }) }))]}
              data-testid="send-status"
            />
          )}
          <Button size="xs" color={isNote ? 'yellow' : undefined} leftSection={isNote ? <IconLock size={14} /> : <IconSend size={14} />} onClick={() => void send()} loading={busy} disabled={!text.trim()} data-testid="send-button">
            {isNote ? t('composer.addNote') : t('composer.send')}
          </Button>
        </Group>
      </Group>
    </div>
  );
}
