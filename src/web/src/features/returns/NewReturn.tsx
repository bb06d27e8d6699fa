import { Alert, Button, Checkbox, Group, List, Modal, SegmentedControl, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useForm } from '@mantine/form';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useSearchParams } from 'react-router-dom';
import type { OrderView } from '../../../../modules/orders/orders.dto';
import { CreateReturnBody, type EligibilityView, type ReasonTreeView } from '../../../../modules/returns/returns.dto';
import { api, isApiError } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { contractValidator, orNull } from '../../lib/form';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import type { ReturnView } from './api';
import { LookupPicker } from '../records/LookupPicker';

/**
 * Open a return for a buyer (agent channel). The server checks the policy; the form shows its
 * answer, reason by reason, before anything is created.
 */
export function NewReturnButton() {
  const { t, i18n } = useTranslation('returns');
  const [params] = useSearchParams();
  const [opened, { open, close }] = useDisclosure(!!params.get('newForOrder'));
  const { t: tAll } = useTranslation();
  const message = useErrorMessage();
  const fmt = useFormat();
  const navigate = useNavigate();
  const [ticketLabel, setTicketLabel] = useState<string | null>(null);
  const [eligibility, setEligibility] = useState<EligibilityView | null>(null);
  const [error, setError] = useState<string | null>(null);
  type Values = { orderId: string; ticketId: string; orderLineIds: string[]; reasonCode: string | null; resolution: 'refund' | 'exchange' | 'no_refund'; exchangeSku: string; note: string };
  const toBody = (v: Values) => ({
    orderId: v.orderId.trim(),
    orderLineIds: v.orderLineIds,
    reasonCode: v.reasonCode,
    note: orNull(v.note),
    channel: 'agent' as const,
    ticketId: orNull(v.ticketId),
    resolution: v.resolution,
    ...(v.resolution === 'exchange' ? { exchangeSku: v.exchangeSku.trim() } : {}),
  });
  const form = useForm<Values>({
    initialValues: { orderId: params.get('newForOrder') ?? '', ticketId: params.get('ticketId') ?? '', orderLineIds: [], reasonCode: null, resolution: 'refund', exchangeSku: '', note: '' },
    validate: contractValidator(tAll, CreateReturnBody, toBody),
  });
  const { orderId, ticketId, orderLineIds: lineIds, reasonCode: reason, resolution } = form.values;

  const order = useQuery({
    queryKey: ['orders', orderId.trim()],
    enabled: opened && orderId.trim().startsWith('ord_'),
    retry: false,
    queryFn: ({ signal }) => api.get<OrderView>(`/api/orders/${encodeURIComponent(orderId.trim())}`, { signal }),
  });
  const tree = useQuery({ queryKey: ['returns', 'reasons'], enabled: opened, queryFn: ({ signal }) => api.get<ReasonTreeView>('/api/returns/reasons', { signal }) });
  const lang = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const leafs = (tree.data?.nodes ?? []).filter((n) => n.parent !== null);

  useEffect(() => {
    form.setFieldValue('orderLineIds', order.data ? order.data.lines.map((l) => l.id) : []);
  }, [order.data]);

  // Ask the server whenever the request changes: the policy lives there, not here.
  useEffect(() => {
    setEligibility(null);
    if (!order.data || lineIds.length === 0) return;
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      api
        .post<EligibilityView>('/api/returns/eligibility', { orderId: order.data!.id, orderLineIds: lineIds, reasonCode: reason })
        .then((e) => !ctl.signal.aborted && setEligibility(e))
        .catch(() => undefined);
    }, 150);
    return () => {
      ctl.abort();
      clearTimeout(timer);
    };
  }, [order.data, lineIds, reason]);

  const create = useApiMutation({
    mutationFn: (v: Values) => api.post<ReturnView>('/api/returns', toBody(v)),
    form,
    invalidate: [['returns']],
    onMutate: () => setError(null),
    onSuccess: (r) => {
      close();
      navigate(`/returns/${r.id}`);
    },
    onError: (presented, e) => {
      if (isApiError(e) && e.code === 'returns.not_eligible') setEligibility({ eligible: false, reasons: (e.details?.reasons as EligibilityView['reasons']) ?? [], windowEndsAt: null });
      else setError(presented.message);
    },
  });

  return (
    <>
      <Button onClick={open} data-testid="new-return">
        {t('create.open')}
      </Button>
      <Modal opened={opened} onClose={close} title={t('create.title')} size="lg">
        <Stack gap="sm">
          <Group grow>
            <LookupPicker kind="order" label={t('create.order')} selectedLabel={order.data?.externalId ?? null} onPick={(h) => form.setFieldValue('orderId', h?.id ?? '')} testId="new-return-order" />
            <LookupPicker
              kind="ticket"
              label={t('create.ticket')}
              selectedLabel={ticketLabel ?? (ticketId ? ticketId : null)}
              onPick={(h) => {
                form.setFieldValue('ticketId', h?.id ?? '');
                setTicketLabel(h ? `${h.title} ${h.subtitle ?? ''}`.trim() : null);
                if (h?.orderId && !orderId) form.setFieldValue('orderId', h.orderId);
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
                  onChange={(e) => form.setFieldValue('orderLineIds', e.currentTarget.checked ? [...lineIds, l.id] : lineIds.filter((x) => x !== l.id))}
                  label={`${l.productName}${l.skuName ? ` (${l.skuName})` : ''} · ${fmt.money(l.paidAmount, l.currency)}`}
                />
              ))}
            </Stack>
          )}
          <Select
            label={t('create.reason')}
            placeholder={t('create.noReason')}
            clearable
            {...form.getInputProps('reasonCode')}
            data={leafs.map((n) => ({ value: n.code, label: n.labels[lang] ?? n.labels.en ?? n.code }))}
            data-testid="new-return-reason"
          />
          <SegmentedControl {...form.getInputProps('resolution')} data={(['refund', 'exchange', 'no_refund'] as const).map((v) => ({ value: v, label: t(`create.resolutions.${v}`) }))} />
          {resolution === 'exchange' && <TextInput label={t('create.exchangeSku')} {...form.getInputProps('exchangeSku')} />}
          <Textarea label={t('create.note')} {...form.getInputProps('note')} autosize minRows={2} />
          {eligibility && (
            <Alert color={eligibility.eligible ? 'teal' : 'red'} title={eligibility.eligible ? t('create.eligible') : t('create.notEligible')} data-testid="new-return-eligibility">
              {eligibility.eligible ? (
                eligibility.windowEndsAt && t('create.windowUntil', { date: fmt.date(eligibility.windowEndsAt) })
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
            <Button onClick={() => form.onSubmit((v) => create.mutate(v))()} loading={create.isPending} disabled={!order.data || lineIds.length === 0 || eligibility?.eligible === false} data-testid="new-return-submit">
              {t('create.submit')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
