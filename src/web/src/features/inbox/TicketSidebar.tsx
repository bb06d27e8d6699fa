import { Anchor, Badge, Center, Group, Loader, ScrollArea, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconExternalLink, IconTruck } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { TicketActions } from '../records/TicketActions';
import { formatMoney } from '../../lib/money';
import { BuyerCoupons } from '../coupons/BuyerCoupons';
import { BuyerSelfService } from '../cards/BuyerSelfService';
import { useTranslation as useCardsTranslation } from 'react-i18next';
import { ProcedurePanel } from '../playbooks/ProcedurePanel';
import { useClocks, useSidebar, type ClockView } from './api';
import { ChannelIcon, StatusText } from './bits';
import { formatCountdown, slaTone, TONE_COLOR, useNow } from './sla';
import { formatterFor } from '../../lib/format';

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <div className="ad-side-section" data-testid={testId}>
      <Text className="ad-side-title">{title}</Text>
      {children}
    </div>
  );
}

const SOURCE_COLOR: Record<string, string> = { ad_campaign: 'violet', creator_video: 'pink', livestream: 'red', organic: 'teal' };
const DELIVERY_COLOR: Record<string, string> = { not_shipped: 'gray', in_transit: 'blue', delivered: 'teal', cancelled: 'red' };

export function TicketSidebar({ ticketId, onOpen }: { ticketId: string; onOpen: (id: string) => void }) {
  const { t: cardsT } = useTranslation('cards');
  const { t, i18n } = useTranslation('inbox');
  const side = useSidebar(ticketId);
  const lang = i18n.language;
  const s = side.data;
  const o = s?.order;
  const date = (iso: string | null | undefined) => (iso ? formatterFor(lang).date(iso) : '—');
  return (
    <aside className="ad-inbox-side" aria-label={t('side.label')} data-testid="ticket-sidebar">
      <ScrollArea h="100%">
        <Clocks ticketId={ticketId} />
        <TicketActions ticketId={ticketId} orderId={o?.order.id ?? null} orderLabel={o?.order.externalId ?? null} />
        <ProcedurePanel ticketId={ticketId} />
        {side.isPending ? (
          <Center py="lg">
            <Loader size="xs" />
          </Center>
        ) : !o ? (
          <Section title={t('side.order')}>
            <Text size="xs" c="dimmed" data-testid="no-order">
              {t('side.noOrder')}
            </Text>
          </Section>
        ) : (
          <>
            <Section title={t('side.order')} testId="side-order">
              <Group justify="space-between" wrap="nowrap">
                <Anchor component={Link} to={`/orders/${o.order.id}`} size="sm" fw={600} data-testid="order-number">
                  {o.order.externalId}
                </Anchor>
                <Badge size="xs" variant="light" radius="sm" color="gray">
                  {t(`orderStatuses.${o.order.status}`, { defaultValue: o.order.status })}
                </Badge>
              </Group>
              <Text size="xs" c="dimmed">
                {t('side.placed', { date: date(o.order.placedAt) })} · {t('side.total', { amount: formatMoney(o.order.total, o.order.currency, lang) })}
              </Text>
              <Stack gap={6} mt={8}>
                {o.order.lines.map((l) => (
                  <div key={l.id} className="ad-side-line" data-testid="order-line">
                    <Group justify="space-between" wrap="nowrap" gap={6} align="flex-start">
                      <Text size="xs" fw={500} lineClamp={2}>
                        {l.productName}
                      </Text>
                      <Text size="xs" fw={600} style={{ whiteSpace: 'nowrap' }} data-testid="line-paid">
                        {formatMoney(l.paidAmount, l.currency, lang)}
                      </Text>
                    </Group>
                    <Group justify="space-between" wrap="nowrap" gap={6} mt={2}>
                      <Text size="xs" c="dimmed" truncate>
                        {t('side.sku', { sku: l.sellerSku ?? l.skuId })}
                        {l.skuName ? ` · ${l.skuName}` : ''}
                        {l.paidAmount !== l.unitPrice ? ` · ${t('side.listPrice', { amount: formatMoney(l.unitPrice, l.currency, lang) })}` : ''}
                      </Text>
                      <Tooltip label={l.trafficSource.name ?? l.trafficSource.id ?? t(`sources.${l.trafficSource.type}`)} openDelay={200}>
                        <Badge size="xs" variant="light" radius="sm" color={SOURCE_COLOR[l.trafficSource.type] ?? 'gray'} style={{ flex: 'none' }} data-testid="traffic-source">
                          {t(`sources.${l.trafficSource.type}`)}
                        </Badge>
                      </Tooltip>
                    </Group>
                  </div>
                ))}
              </Stack>
            </Section>
            <Section title={t('side.delivery')} testId="side-delivery">
              <Group gap={6} wrap="nowrap">
                <IconTruck size={15} />
                <Badge size="xs" radius="sm" variant="light" color={DELIVERY_COLOR[o.delivery.status] ?? 'gray'} data-testid="delivery-state">
                  {t(`deliveryStatuses.${o.delivery.status}`, { defaultValue: o.delivery.status })}
                </Badge>
                {o.delivery.deliveredAt && (
                  <Text size="xs" c="dimmed">
                    {date(o.delivery.deliveredAt)}
                  </Text>
                )}
              </Group>
              {o.delivery.trackingNumber && (
                <Text size="xs" mt={4}>
                  {o.delivery.carrier ?? t('side.carrier')} ·{' '}
                  {s?.trackingUrl ? (
                    <Anchor href={s.trackingUrl} target="_blank" rel="noreferrer" size="xs" data-testid="tracking-link">
                      {o.delivery.trackingNumber} <IconExternalLink size={11} />
                    </Anchor>
                  ) : (
                    <span data-testid="tracking-number">{o.delivery.trackingNumber}</span>
                  )}
                </Text>
              )}
            </Section>
            <Section title={t('side.buyer')} testId="side-buyer">
              <Anchor component={Link} to={`/customers/${o.buyer.id}`} size="sm" fw={500} data-testid="buyer-link">
                {o.buyer.displayName ?? o.buyer.platformBuyerId}
              </Anchor>
              <Group gap="lg" mt={4}>
                <div>
                  <Text size="xs" c="dimmed">
                    {t('side.ltv')}
                  </Text>
                  <Text size="sm" fw={600} data-testid="buyer-ltv">
                    {o.buyer.lifetimeValue.currency ? formatMoney(o.buyer.lifetimeValue.amount, o.buyer.lifetimeValue.currency, lang) : '—'}
                  </Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed">
                    {t('side.orders')}
                  </Text>
                  <Text size="sm" fw={600} data-testid="buyer-orders">
                    {o.buyer.lifetimeValue.orderCount}
                  </Text>
                </div>
              </Group>
            </Section>
            <Section title={t('side.coupons')} testId="side-coupons">
              <BuyerCoupons buyerId={o.buyer.id} />
            </Section>
            <Section title={cardsT('buyer.selfService')} testId="side-self-service">
              <BuyerSelfService buyerId={o.buyer.id} />
            </Section>
            <Section title={t('side.returns', { count: o.returnHistory.length })} testId="side-returns">
              {o.returnHistory.length === 0 ? (
                <Text size="xs" c="dimmed">
                  {t('side.noReturns')}
                </Text>
              ) : (
                <Stack gap={6}>
                  {o.returnHistory.map((r) => (
                    <div key={r.id} data-testid="return-row">
                      <Group justify="space-between" wrap="nowrap" gap={6}>
                        <Text size="xs" fw={500} truncate>
                          {t(`returnTypes.${r.type}`, { defaultValue: r.type })} · {r.externalOrderId}
                        </Text>
                        <Badge size="xs" radius="sm" variant="light" color="gray" style={{ flex: 'none' }}>
                          {t(`returnStatuses.${r.status}`, { defaultValue: r.status })}
                        </Badge>
                      </Group>
                      <Text size="xs" c="dimmed" truncate>
                        {date(r.requestedAt)}
                        {r.refundAmount != null && r.currency ? ` · ${formatMoney(r.refundAmount, r.currency, lang)}` : ''}
                        {r.reasonText ? ` · ${r.reasonText}` : ''}
                      </Text>
                    </div>
                  ))}
                </Stack>
              )}
            </Section>
          </>
        )}
        {s && s.otherTickets.length > 0 && (
          <Section title={t('side.otherTickets')}>
            <Stack gap={2}>
              {s.otherTickets.map((o2) => (
                <UnstyledButton key={o2.id} onClick={() => onOpen(o2.id)} className="ad-side-link">
                  <Group gap={6} wrap="nowrap">
                    <ChannelIcon channel={o2.channel} size={13} />
                    <Text size="xs" truncate style={{ flex: 1 }}>
                      #{o2.number} {o2.subject}
                    </Text>
                    <StatusText status={o2.status} />
                  </Group>
                </UnstyledButton>
              ))}
            </Stack>
          </Section>
        )}
      </ScrollArea>
    </aside>
  );
}

function Clocks({ ticketId }: { ticketId: string }) {
  const { t, i18n } = useTranslation('inbox');
  const clocks = useClocks(ticketId);
  const items = clocks.data?.items ?? [];
  // Latest generation per metric: a reopened ticket restarts a metric with a new generation.
  const latest = new Map<string, ClockView>();
  for (const c of items) {
    const prev = latest.get(c.metric);
    if (!prev || c.generation > prev.generation || (c.generation === prev.generation && c.startedAt > prev.startedAt)) latest.set(c.metric, c);
  }
  const order = ['first_reply', 'next_reply', 'resolution'];
  const shown = [...latest.values()].sort((a, b) => order.indexOf(a.metric) - order.indexOf(b.metric));
  return (
    <Section title={t('side.sla')} testId="sla-clocks">
      {clocks.isPending ? (
        <Loader size="xs" />
      ) : shown.length === 0 ? (
        <Text size="xs" c="dimmed">
          {t('side.noClocks')}
        </Text>
      ) : (
        <Stack gap={6}>
          {shown.map((c) => (
            <ClockRow key={c.id} c={c} lang={i18n.language} />
          ))}
        </Stack>
      )}
    </Section>
  );
}

function ClockRow({ c, lang }: { c: ClockView; lang: string }) {
  const { t } = useTranslation('inbox');
  const now = useNow();
  const time = (iso: string) => formatterFor(lang).shortDateTime(iso);
  let badge: ReactNode;
  let detail: string;
  if (c.state === 'stopped') {
    const met = !c.breachedAt && (!c.stoppedAt || c.stoppedAt <= c.dueAt);
    badge = (
      <Badge size="sm" radius="sm" variant="light" color={met ? 'teal' : 'red'} data-testid="clock-state">
        {met ? t('clock.met') : t('clock.missed')}
      </Badge>
    );
    detail = t('clock.stoppedAt', { time: c.stoppedAt ? time(c.stoppedAt) : '—' });
  } else if (c.state === 'paused') {
    badge = (
      <Badge size="sm" radius="sm" variant="light" color="gray" data-testid="clock-state">
        {t('clock.paused')}
      </Badge>
    );
    detail = t('clock.pausedSince', { time: c.pausedAt ? time(c.pausedAt) : '—' });
  } else {
    const due = Date.parse(c.dueAt);
    const tone = c.state === 'breached' ? 'breached' : slaTone(due, now, Date.parse(c.startedAt));
    badge = (
      <Badge size="sm" radius="sm" variant={tone === 'breached' ? 'filled' : 'light'} color={TONE_COLOR[tone]} className="ad-sla-badge" data-testid="clock-state" data-tone={tone}>
        {formatCountdown(due - now)}
      </Badge>
    );
    detail = c.state === 'breached' ? t('clock.breachedAt', { time: c.breachedAt ? time(c.breachedAt) : time(c.dueAt) }) : t('clock.dueAt', { time: time(c.dueAt) });
  }
  return (
    <div data-testid="clock" data-metric={c.metric} data-state={c.state}>
      <Group justify="space-between" wrap="nowrap">
        <Text size="xs" fw={500}>
          {t(`clock.metrics.${c.metric}`)}
        </Text>
        {badge}
      </Group>
      <Text size="xs" c="dimmed">
        {detail} · {t('clock.target', { minutes: c.targetMinutes, mode: t(`clock.modes.${c.mode}`) })}
      </Text>
    </div>
  );
}
