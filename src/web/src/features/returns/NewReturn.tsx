import { Alert, Button, Checkbox, Group, List, Modal, SegmentedControl, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { api, isApiError } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { formatMoney } from '../../lib/money';
import type { ReturnView } from './api';
import { LookupPicker } from '../records/LookupPicker';

interface OrderLine {
  id: string;
  productName: string;
  skuName: string | null;
  sellerSku: string | null;
  category: string | null;
  currency: string;
  paidAmount: number;
}
interface Order {
  id: string;
  externalId: string;
  currency: string;
  deliveredAt: string | null;
  lines: OrderLine[];
}
interface ReasonNode {
  code: string;
  parent: string | null;
  faultOwner: string;
  labels: Record<string, string>;
}
interface Eligibility {
  eligible: boolean;
  reasons: { code: string; message: string; lineId?: string }[];
  windowEndsAt: string | null;
}

/**
 * Open a return for a buyer (agent channel). The server checks the policy; the form shows its
 * answer, reason by reason, before anything is created.
 */
export function NewReturnButton() {
  const { t, i18n } = useTranslation('returns');
  const [params] = useSearchParams();
  const [opened, { open, close }] = useDisclosure(!!params.get('newForOrder'));
  const message = useErrorMessage();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [orderId, setOrderId] = useState(params.get('newForOrder') ?? '');
  const [ticketId, setTicketId] = useState(params.get('ticketId') ?? '');
  const [ticketLabel, setTicketLabel] = useState<string | null>(null);
  const [lineIds, setLineIds] = useState<string[]>([]);
  const [reason, setReason] = useState<string | null>(null);
  const [resolution, setResolution] = useState<'refund' | 'exchange' | 'no_refund'>('refund');
  const [exchangeSku, setExchangeSku] = useState('');
  const [note, setNote] = useState('');
  const [eligibility, setEligibility] = useState<Eligibility | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const order = useQuery({
    queryKey: ['orders', orderId.trim()],
    enabled: opened && orderId.trim().startsWith('ord_'),
    retry: false,
    queryFn: ({ signal }) => api.get<Order>(`/api/orders/${encodeURIComponent(orderId.trim())}`, { signal }),
  });
  const tree = useQuery({ queryKey: ['returns', 'reasons'], enabled: opened, queryFn: ({ signal }) => api.get<{ version: number; nodes: ReasonNode[] }>('/api/returns/reasons', { signal }) });
  const lang = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const leafs = (tree.data?.nodes ?? []).filter((n) => n.parent !== null);

  useEffect(() => {
    setLineIds(order.data ? order.data.lines.map((l) => l.id) : []);
  }, [order.data]);

  // Ask the server whenever the request changes: the policy lives there, not here.
  useEffect(() => {
    setEligibility(null);
    if (!order.data || lineIds.length === 0) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      api
        .post<Eligibility>('/api/returns/eligibility', { orderId: order.data!.id, orderLineIds: lineIds, reasonCode: reason })
        .then((e) => !ctl.signal.aborted && setEligibility(e))
        .catch(() => undefined);
    }, 150);
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [order.data, lineIds, reason]);

  async function submit() {
    if (!order.data) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<ReturnView>('/api/returns', {
        orderId: order.data.id,
        orderLineIds: lineIds,
        reasonCode: reason,
        note: note || null,
        channel: 'agent',
        ticketId: ticketId.trim() || null,
        resolution,
        ...(resolution === 'exchange' ? { exchangeSku } : {}),
      });
      void qc.invalidateQueries({ queryKey: ['returns'] });
      close();
      navigate(`/returns/${r.id}`);
    } catch (e) {
      if (isApiError(e) && e.code === 'returns.not_eligible') setEligibility({ eligible: false, reasons: (e.details?.reasons as Eligibility['reasons']) ?? [], windowEndsAt: null });
      else setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button onClick={open} data-testid="new-return">
        {t('create.open')}
      </Button>
      <Modal opened={opened} onClose={close} title={t('create.title')} size="lg">
        <Stack gap="sm">
          <Group grow>
            <LookupPicker kind="order" label={t('create.order')} selectedLabel={order.data?.externalId ?? null} onPick={(h) => setOrderId(h?.id ?? '')} testId="new-return-order" />
            <LookupPicker
              kind="ticket"
              label={t('create.ticket')}
              selectedLabel={ticketLabel ?? (ticketId ? ticketId : null)}
              onPick={(h) => {
                setTicketId(h?.id ?? '');
                setTicketLabel(h ? `${h.title} ${h.subtitle ?? ''}`.trim() : null);
                if (h?.orderId && !orderId) setOrderId(h.orderId);
              }}
            />
          </Group>
          {order.error && <Text size="sm" c="red">{message(order.error)}</Text>}
          {order.data && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                {t('create.items', { ext: order.data.externalId })}
              </Text>
              {order.data.lines.map((l) => (
                <Checkbox
                  key={l.id}
                  checked={lineIds.includes(l.id)}
                  onChange={(e) => setLineIds(e.currentTarget.checked ? [...lineIds, l.id] : lineIds.filter((x) => x !== l.id))}
                  label={`${l.productName}${l.skuName ? ` (${l.skuName})` : ''} · ${formatMoney(l.paidAmount, l.currency, i18n.language)}`}
                />
              ))}
            </Stack>
          )}
          <Select
            label={t('create.reason')}
            placeholder={t('create.noReason')}
            clearable
            value={reason}
            onChange={setReason}
            data={leafs.map((n) => ({ value: n.code, label: n.labels[lang] ?? n.labels.en ?? n.code }))}
            data-testid="new-return-reason"
          />
          <SegmentedControl value={resolution} onChange={(v) => setResolution(v as typeof resolution)} data={(['refund', 'exchange', 'no_refund'] as const).map((v) => ({ value: v, label: t(`create.resolutions.${v}`) }))} />
          {resolution === 'exchange' && <TextInput label={t('create.exchangeSku')} value={exchangeSku} onChange={(e) => setExchangeSku(e.currentTarget.value)} />}
          <Textarea label={t('create.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
          {eligibility && (
            <Alert color={eligibility.eligible ? 'teal' : 'red'} title={eligibility.eligible ? t('create.eligible') : t('create.notEligible')} data-testid="new-return-eligibility">
              {eligibility.eligible ? (
                eligibility.windowEndsAt && t('create.windowUntil', { date: new Date(eligibility.windowEndsAt).toLocaleDateString(i18n.language) })
              ) : (
                <List size="sm">
                  {eligibility.reasons.map((r, i) => (
                    // The server's English sentence is the most precise (dates, categories); other UI languages get ours.
                    <List.Item key={i}>{i18n.language === 'en' ? r.message : t(`eligibility.${r.code}`, { defaultValue: r.message })}</List.Item>
                  ))}
                </List>
              )}
            </Alert>
          )}
          {error && <Alert color="red">{error}</Alert>}
          <Group justify="flex-end">
            <Button onClick={() => void submit()} loading={busy} disabled={!order.data || lineIds.length === 0 || eligibility?.eligible === false} data-testid="new-return-submit">
              {t('create.submit')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
