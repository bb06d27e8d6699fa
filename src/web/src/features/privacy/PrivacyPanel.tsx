import { Alert, Badge, Button, Group, NumberInput, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { IconDownload, IconSearch, IconTrash } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from '@mantine/form';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { RetentionSettings, type BuyerMatch as BuyerMatchView, type ErasureReport } from '../../../../modules/privacy/privacy.dto';
import { api } from '../../lib/api';
import { useErrorMessage } from '../../lib/errors';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { FormAlert } from '../settings/common';

type BuyerMatch = z.infer<typeof BuyerMatchView>;

const FIELDS = ['closedTicketContentDays', 'webhookBodyDays', 'orderPersonalDays'] as const;

function RetentionForm() {
  const { t } = useTranslation('privacy');
  const { t: tAll } = useTranslation();
  const qc = useQueryClient();
  const settings = useQuery({ queryKey: ['privacy', 'settings'], queryFn: () => api.get<RetentionSettings>('/api/privacy/settings') });
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm<RetentionSettings>({
    initialValues: { closedTicketContentDays: null, webhookBodyDays: null, orderPersonalDays: null },
    validate: contractValidator(tAll, RetentionSettings, (v: RetentionSettings) => v),
  });
  useEffect(() => {
    if (settings.data && !form.initialized) form.initialize(settings.data);
  }, [settings.data, form]);
  const save = useApiMutation({
    mutationFn: (v: RetentionSettings) => api.put<RetentionSettings>('/api/privacy/settings', v),
    form,
    success: t('retention.saved'),
    onMutate: () => setFormError(null),
    onSuccess: (saved) => {
      qc.setQueryData(['privacy', 'settings'], saved);
      form.setValues(saved);
      form.resetDirty(saved);
    },
    onError: (presented) => setFormError(presented.message),
  });

  return (
    <form onSubmit={form.onSubmit((v) => save.mutate(v))} noValidate>
      <Stack gap="xs" maw={560}>
        <Title order={4}>{t('retention.title')}</Title>
        <Text size="sm" c="dimmed">
          {t('retention.intro')}
        </Text>
        <FormAlert message={formError} />
        {FIELDS.map((f) => (
          <NumberInput
            key={f}
            label={t(`retention.${f}`)}
            placeholder={t('retention.keep')}
            min={1}
            max={36500}
            allowDecimal={false}
            suffix={` ${t('retention.days')}`}
            {...form.getInputProps(f)}
            value={form.values[f] ?? ''}
            onChange={(v) => form.setFieldValue(f, typeof v === 'number' ? v : null)}
            data-testid={`retention-${f}`}
          />
        ))}
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!form.initialized}>
            {t('retention.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Report({ report }: { report: ErasureReport }) {
  const { t } = useTranslation('privacy');
  const changed = Object.entries(report.erased).filter(([, n]) => n > 0);
  return (
    <Alert color={report.heldBack.length ? 'yellow' : 'teal'} title={t('erase.done', { id: report.buyerId })} data-testid="erasure-report">
      <Stack gap={4}>
        <Text size="sm">{changed.map(([table, n]) => `${table}: ${n}`).join(' · ') || t('erase.nothing')}</Text>
        <Text size="sm">{t('erase.files', { count: report.filesRemoved })}</Text>
        {report.heldBack.length > 0 && (
          <>
            <Text size="sm" fw={600}>
              {t('erase.heldBack')}
            </Text>
            {report.heldBack.map((h, i) => (
              <Text size="sm" key={`${h.caseId}-${h.recordId ?? i}`}>
                {h.recordId ? `${h.recordId} · ` : ''}
                {h.caseId}: {h.why} ({h.basis})
              </Text>
            ))}
          </>
        )}
      </Stack>
    </Alert>
  );
}

function BuyerRequests() {
  const { t } = useTranslation('privacy');
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const errorText = useErrorMessage();
  const [confirming, setConfirming] = useState<string | null>(null);
  const [report, setReport] = useState<ErasureReport | null>(null);
  const found = useQuery({ queryKey: ['privacy', 'buyers', query], queryFn: () => api.get<{ items: BuyerMatch[] }>(`/api/privacy/buyers?q=${encodeURIComponent(query)}`), enabled: query.length >= 2 });

  const downloadM = useApiMutation({
    mutationFn: (b: BuyerMatch) => api.get<unknown>(`/api/privacy/buyers/${encodeURIComponent(b.id)}/export`),
    onSuccess: (doc, b) => {
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `buyer-${b.id}.json`;
      a.click();
      URL.revokeObjectURL(url);
    },
  });
  const eraseM = useApiMutation({
    mutationFn: (b: BuyerMatch) => api.post<ErasureReport>(`/api/privacy/buyers/${encodeURIComponent(b.id)}/erase`),
    onSuccess: async (r) => {
      setReport(r);
      setConfirming(null);
      await found.refetch();
    },
  });
  const busy = downloadM.isPending ? downloadM.variables?.id : eraseM.isPending ? eraseM.variables?.id : null;
  const download = (b: BuyerMatch) => downloadM.mutate(b);
  const erase = (b: BuyerMatch) => eraseM.mutate(b);

  return (
    <Stack gap="xs">
      <Title order={4}>{t('buyers.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('buyers.intro')}
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setReport(null);
          setQuery(q.trim());
        }}
      >
        <Group gap="xs" align="flex-end" maw={560} wrap="nowrap">
          <TextInput style={{ flex: 1 }} label={t('buyers.search')} placeholder={t('buyers.placeholder')} value={q} onChange={(e) => setQ(e.currentTarget.value)} data-testid="buyer-search" />
          <Button type="submit" leftSection={<IconSearch size={16} />} disabled={q.trim().length < 2}>
            {t('buyers.find')}
          </Button>
        </Group>
      </form>
      {report && <Report report={report} />}
      {found.error && <FormAlert message={errorText(found.error)} />}
      {found.data && !found.data.items.length && <Text size="sm">{t('buyers.none')}</Text>}
      {found.data && found.data.items.length > 0 && (
        <div className="ad-table-wrap">
          <Table data-testid="buyer-results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('buyers.name')}</Table.Th>
                <Table.Th>{t('buyers.email')}</Table.Th>
                <Table.Th>{t('buyers.orders')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {found.data.items.map((b) => (
                <Table.Tr key={b.id}>
                  <Table.Td>
                    {b.displayName ?? <Badge variant="light">{t('buyers.erased')}</Badge>}
                    <Text size="xs" c="dimmed">
                      {b.id} · {b.platform}
                    </Text>
                  </Table.Td>
                  <Table.Td>{b.email ?? '—'}</Table.Td>
                  <Table.Td>{b.orders}</Table.Td>
                  <Table.Td>
                    <Group gap="xs" justify="flex-end" wrap="nowrap">
                      <Button size="xs" variant="default" leftSection={<IconDownload size={14} />} loading={busy === b.id && confirming !== b.id} onClick={() => download(b)}>
                        {t('buyers.export')}
                      </Button>
                      {confirming === b.id ? (
                        <>
                          <Button size="xs" color="red" loading={busy === b.id} onClick={() => erase(b)} data-testid="confirm-erase">
                            {t('erase.confirm')}
                          </Button>
                          <Button size="xs" variant="subtle" onClick={() => setConfirming(null)}>
                            {t('erase.cancel')}
                          </Button>
                        </>
                      ) : (
                        <Button size="xs" color="red" variant="light" leftSection={<IconTrash size={14} />} onClick={() => setConfirming(b.id)}>
                          {t('erase.button')}
                        </Button>
                      )}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {confirming && (
        <Text size="sm" c="red">
          {t('erase.warning')}
        </Text>
      )}
    </Stack>
  );
}

/** Settings → Privacy (owner): answer a buyer's request for their data or its erasure, and set retention. */
export function PrivacyPanel() {
  return (
    <Stack gap="xl">
      <BuyerRequests />
      <RetentionForm />
    </Stack>
  );
}
