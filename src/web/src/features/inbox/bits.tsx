import { Badge, Text, Tooltip } from '@mantine/core';
import { IconBrandTiktok, IconBrandWhatsapp, IconBroadcast, IconId, IconMail, IconReceiptRefund, IconVideo, type Icon } from '@tabler/icons-react';
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { LIVE_STATUSES, type Channel, type Priority, type TicketView } from './api';
import { formatCountdown, slaTone, TONE_COLOR, useNow } from './sla';
import { useFormat } from '../../lib/format';

const CHANNEL_ICON: Record<Channel, { icon: Icon; color: string }> = {
  tiktok_chat: { icon: IconBrandTiktok, color: 'var(--mantine-color-dark-6)' },
  tiktok_return_request: { icon: IconReceiptRefund, color: 'var(--mantine-color-grape-7)' },
  email: { icon: IconMail, color: 'var(--mantine-color-blue-7)' },
  whatsapp: { icon: IconBrandWhatsapp, color: 'var(--mantine-color-green-7)' },
  livestream: { icon: IconBroadcast, color: 'var(--mantine-color-red-7)' },
  video_comment: { icon: IconVideo, color: 'var(--mantine-color-pink-7)' },
  self_service: { icon: IconId, color: 'var(--mantine-color-teal-7)' },
};

export function ChannelIcon({ channel, size = 16 }: { channel: Channel; size?: number }) {
  const { t } = useTranslation('inbox');
  const c = CHANNEL_ICON[channel];
  const I = c.icon;
  return (
    <Tooltip label={t(`channels.${channel}`)} openDelay={300}>
      <I size={size} stroke={1.7} color={c.color} aria-label={t(`channels.${channel}`)} role="img" data-testid="channel-icon" data-channel={channel} style={{ flex: 'none' }} />
    </Tooltip>
  );
}

/** The buyer's language as a small flag + code ("DE"); flags are CSS, since emoji flags do not render everywhere. */
export function LanguageTag({ language }: { language: string }) {
  const { t } = useTranslation('inbox');
  return (
    <Tooltip label={t(`languages.${language}`, { defaultValue: language })} openDelay={300}>
      <span className="ad-inbox-lang" data-testid="ticket-language">
        <span aria-hidden className={`ad-flag ad-flag--${language}`} />
        {language.toUpperCase()}
      </span>
    </Tooltip>
  );
}

const PRIORITY_COLOR: Record<Priority, string> = { low: 'gray', normal: 'blue', high: 'orange', urgent: 'red' };

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { t } = useTranslation('inbox');
  return (
    <Badge size="xs" variant={priority === 'urgent' ? 'filled' : 'light'} color={PRIORITY_COLOR[priority]} radius="sm" data-testid="ticket-priority">
      {t(`priorities.${priority}`)}
    </Badge>
  );
}

/** Live countdown to an SLA due, re-rendered every second from one shared timer. */
export function SlaBadge({ dueAt, startedAt, paused = false, size = 'sm' }: { dueAt: string | null; startedAt?: string | null; paused?: boolean; size?: 'xs' | 'sm' }) {
  const { t } = useTranslation('inbox');
  const fmt = useFormat();
  const now = useNow();
  if (!dueAt) {
    return (
      <Badge size={size} variant="outline" color="gray" radius="sm" className="ad-sla-badge" data-testid="sla-badge" data-tone={paused ? 'paused' : 'none'}>
        {paused ? t('sla.paused') : t('sla.noDue')}
      </Badge>
    );
  }
  const due = Date.parse(dueAt);
  const tone = slaTone(due, now, startedAt ? Date.parse(startedAt) : null);
  return (
    <Tooltip label={t(`sla.tone.${tone}`, { due: fmt.dateTime(due) })} openDelay={300}>
      <Badge size={size} variant={tone === 'breached' ? 'filled' : 'light'} color={TONE_COLOR[tone]} radius="sm" className="ad-sla-badge" data-testid="sla-badge" data-tone={tone}>
        {formatCountdown(due - now)}
      </Badge>
    </Tooltip>
  );
}

/** Search snippets mark hits with « »; show them as <mark> without trusting the text as HTML. */
export function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(«[^»]*»)/g);
  return (
    <>
      {parts.map((p, i) =>
        p.startsWith('«') && p.endsWith('»') ? (
          <mark key={i} className="ad-inbox-mark">
            {p.slice(1, -1)}
          </mark>
        ) : (
          <Fragment key={i}>{p}</Fragment>
        ),
      )}
    </>
  );
}

/** Highlights the words of `q` in plain text (subjects and buyer names in search results). */
export function HighlightWords({ text, q }: { text: string; q: string }) {
  const words = q
    .split(/\s+/)
    .filter((w) => w.length > 1)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!words.length) return <>{text}</>;
  const re = new RegExp(`(${words.join('|')})`, 'gi');
  return <Highlighted text={text.replace(re, '«$1»')} />;
}

export function isLive(ticket: TicketView): boolean {
  return (LIVE_STATUSES as readonly string[]).includes(ticket.status);
}

export function StatusText({ status }: { status: TicketView['status'] }) {
  const { t } = useTranslation('inbox');
  return (
    <Text size="xs" className={`ad-inbox-status ad-inbox-status--${status}`} data-testid="ticket-status" span>
      {t(`statuses.${status}`)}
    </Text>
  );
}


/** The list's SLA cell: live tickets count down; waiting on the buyer pauses the clocks (README of the SLA module). */
export function TicketSla({ ticket, size }: { ticket: TicketView; size?: 'xs' | 'sm' }) {
  return <SlaBadge size={size} dueAt={isLive(ticket) ? ticket.slaDueAt : null} startedAt={ticket.lastMessageAt} paused={ticket.status === 'waiting_on_buyer' && !ticket.slaDueAt} />;
}
