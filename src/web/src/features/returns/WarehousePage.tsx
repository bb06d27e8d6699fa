import { Alert, Badge, Button, FileButton, Group, Paper, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { IconBarcode, IconCamera, IconCheck, IconPackageImport, IconX } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { presentError, useApiMutation } from '../../lib/mutation';
import { formatMoney } from '../../lib/money';
import { PageHeader } from '../../shell/PageHeader';
import { GRADES, uploadPhoto, type Grade, type ReturnView } from './api';
import { REFUND_COLOR, STATUS_COLOR } from './ReturnsPage';

const GRADE_COLOR: Record<Grade, string> = { as_new: 'teal', opened: 'green', damaged: 'orange', not_ours: 'red', empty_box: 'red' };

/** Tablet-first: one big scan field, big buttons, one return at a time. */
export function WarehousePage() {
  const { t, i18n } = useTranslation('returns');
  const { t: tAll } = useTranslation();
  const qc = useQueryClient();
  // Opened from a return's page ("receive at the warehouse"): its RMA is already in the scan field.
  const [params] = useSearchParams();
  const [code, setCode] = useState(params.get('code') ?? '');
  const [current, setCurrent] = useState<ReturnView | null>(null);
  const [grade, setGrade] = useState<Grade | null>(null);
  const [note, setNote] = useState('');
  const [photos, setPhotos] = useState<string[]>([]);
  const scanRef = useRef<HTMLInputElement>(null);

  // Every step (look up, receive, inspect, photo) goes through one mutation: one busy state, one
  // error presenter, shown under the scan field.
  const act = useApiMutation<unknown, () => Promise<unknown>>({ mutationFn: (fn) => fn(), onError: () => undefined });
  const busy = act.isPending;
  const error = act.error ? presentError(tAll, act.error).message : null;
  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return (await act.mutateAsync(fn)) as T;
    } catch {
      return undefined;
    }
  }

  useEffect(() => {
    if (params.get('code')) void find();
    // Once, for the code the page was opened with.
  }, []);

  async function find(e?: FormEvent) {
    e?.preventDefault();
    if (!code.trim()) return;
    const r = await run(() => api.get<ReturnView>(`/api/returns/lookup?code=${encodeURIComponent(code.trim())}`));
    setCurrent(r ?? null);
    setGrade(null);
    setNote('');
    setPhotos([]);
  }

  async function receive() {
    if (!current) return;
    const r = await run(() => api.post<ReturnView>(`/api/returns/${current.id}/receive`, { trackingNumber: code.trim() !== current.rma ? code.trim() : null }));
    if (r) setCurrent(r);
  }

  async function inspect() {
    if (!current || !grade) return;
    const r = await run(() => api.post<ReturnView>(`/api/returns/${current.id}/inspect`, { grade, note: note || null, photos }));
    if (r) {
      setCurrent(r);
      void qc.invalidateQueries({ queryKey: ['returns'] });
    }
  }

  async function addPhoto(file: File | null) {
    if (!file) return;
    const sha = await run(() => uploadPhoto(file));
    if (sha) setPhotos((p) => [...p, sha]);
  }

  function next() {
    setCurrent(null);
    setCode('');
    scanRef.current?.focus();
  }

  return (
    <Stack gap="lg" maw={960}>
      <PageHeader title={t('warehouse.title')} description={t('warehouse.description')} />
      <form onSubmit={(e) => void find(e)}>
        <Group align="flex-end" wrap="nowrap">
          <TextInput
            ref={scanRef}
            autoFocus
            size="xl"
            style={{ flex: 1 }}
            label={t('warehouse.scanLabel')}
            placeholder={t('warehouse.scanPlaceholder')}
            leftSection={<IconBarcode size={28} />}
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            data-testid="scan-input"
          />
          <Button size="xl" type="submit" loading={busy && !current} data-testid="scan-find">
            {t('warehouse.find')}
          </Button>
        </Group>
      </form>
      {error && (
        <Alert color="red" title={t('warehouse.error')} data-testid="warehouse-error">
          {error}
        </Alert>
      )}
      {current && (
        <Paper withBorder radius="md" p="lg" data-testid="warehouse-return">
          <Group justify="space-between" align="flex-start">
            <Stack gap={2}>
              <Title order={3}>{current.rma}</Title>
              <Text c="dimmed">{current.lines.map((l) => `${l.productName} (${l.sku})`).join(', ')}</Text>
              <Text size="sm">{current.reason ? t(`reasons.${current.reason.code}`, { defaultValue: current.reason.label }) : t('noReason')}</Text>
            </Stack>
            <Stack gap={6} align="flex-end">
              <Badge size="xl" color={STATUS_COLOR[current.status] ?? 'gray'} data-testid="warehouse-status">
                {t(`status.${current.status}`)}
              </Badge>
              <Badge size="lg" variant="dot" color={REFUND_COLOR[current.refund.status]} data-testid="warehouse-refund">
                {t(`refund.${current.refund.status}`)} · {formatMoney(current.refundTotal, current.currency, i18n.language)}
              </Badge>
            </Stack>
          </Group>

          {!current.receipt.at && (
            <Button mt="lg" size="xl" fullWidth leftSection={<IconPackageImport size={28} />} onClick={() => void receive()} loading={busy} data-testid="receive">
              {t('warehouse.receive')}
            </Button>
          )}

          {current.receipt.at && !current.inspection.at && current.status !== 'closed' && (
            <Stack mt="lg" gap="md">
              <Text fw={600} size="lg">
                {t('warehouse.gradeTitle')}
              </Text>
              <SimpleGrid cols={{ base: 2, md: 3, xl: 5 }}>
                {GRADES.map((g) => (
                  <Button key={g} size="lg" h={72} variant={grade === g ? 'filled' : 'light'} color={GRADE_COLOR[g]} onClick={() => setGrade(g)} data-testid={`grade-${g}`}>
                    {t(`grades.${g}`)}
                  </Button>
                ))}
              </SimpleGrid>
              <Textarea size="md" label={t('warehouse.note')} value={note} onChange={(e) => setNote(e.currentTarget.value)} autosize minRows={2} />
              <Group>
                <FileButton onChange={(f) => void addPhoto(f)} accept="image/*" capture="environment">
                  {(props) => (
                    <Button {...props} size="lg" variant="default" leftSection={<IconCamera size={22} />}>
                      {t('warehouse.photo')}
                    </Button>
                  )}
                </FileButton>
                {photos.length > 0 && <Text size="sm">{t('warehouse.photos', { count: photos.length })}</Text>}
              </Group>
              <Button size="xl" disabled={!grade} onClick={() => void inspect()} loading={busy} leftSection={<IconCheck size={28} />} data-testid="inspect">
                {t('warehouse.record')}
              </Button>
            </Stack>
          )}

          {current.inspection.at && (
            <Alert mt="lg" color={current.inspection.passed ? 'teal' : 'red'} icon={current.inspection.passed ? <IconCheck /> : <IconX />} title={current.inspection.passed ? t('warehouse.passed') : t('warehouse.failed')} data-testid="inspection-result">
              {current.inspection.passed ? t(`warehouse.passText.${current.refundTrigger}`) : current.appeal ? t('warehouse.appealText') : t('warehouse.failText')}
            </Alert>
          )}
          {(current.inspection.at || current.status === 'closed') && (
            <Button mt="md" size="lg" variant="light" onClick={next} data-testid="next-parcel">
              {t('warehouse.next')}
            </Button>
          )}
        </Paper>
      )}
    </Stack>
  );
}
