import { Alert, Button, Checkbox, FileButton, Group, Modal, Select, SimpleGrid, Stack, Table, Text, Textarea } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconUpload } from '@tabler/icons-react';
import { parse } from 'csv-parse/browser/esm/sync';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { guessLotColumns, LotImportBody } from '../../../../modules/incidents/incidents.lots.dto';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { incidentKeys, useLots, type LotImportView } from './api';

interface Values {
  shopId: string;
  csv: string;
  order: string;
  line: string;
  lot: string;
  dryRun: boolean;
}

const toBody = (v: Values) => ({ shopId: v.shopId, csv: v.csv, columns: { order: v.order, line: v.line, lot: v.lot }, dryRun: v.dryRun || undefined });
const RENAME = { 'columns.order': 'order', 'columns.line': 'line', 'columns.lot': 'lot', columns: 'lot' };

/** The header row of pasted or picked CSV text, for the column selects (empty while it is not CSV). */
function headerOf(text: string): string[] {
  if (!text.trim()) return [];
  try {
    const first = (parse(text, { to_line: 1, bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][])[0] ?? [];
    return [...new Set(first.filter((h) => h !== ''))];
  } catch {
    return [];
  }
}

/**
 * Import lots per order line: a CSV picked or pasted, the three columns mapped (guessed from the
 * header), all or nothing — refused rows are listed with their row number and field.
 */
export function LotImportModal({ shops, onClose }: { shops: { id: string; name: string }[]; onClose: () => void }) {
  const { t } = useTranslation('incidents');
  const { t: tAll } = useTranslation();
  const f = useFormat();
  const [result, setResult] = useState<LotImportView | null>(null);
  const form = useForm<Values>({ initialValues: { shopId: shops[0]?.id ?? '', csv: '', order: '', line: '', lot: '', dryRun: false }, validate: contractValidator(tAll, LotImportBody, toBody, RENAME) });
  const header = useMemo(() => headerOf(form.values.csv), [form.values.csv]);
  const headerKey = header.join('\u0000');
  useEffect(() => {
    const g = guessLotColumns(header);
    form.setValues({ order: g.order ?? '', line: g.line ?? '', lot: g.lot ?? '' });
  }, [headerKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const lots = useLots(form.values.shopId || null);
  const run = useApiMutation({
    form,
    rename: RENAME,
    mutationFn: (v: Values) => api.post<LotImportView>('/api/incidents/lots/import', toBody(v)),
    invalidate: [incidentKeys.all],
    onSuccess: (r) => setResult(r),
  });
  const pick = async (file: File | null) => {
    if (!file) return;
    form.setFieldValue('csv', await file.text());
    setResult(null);
  };
  const columns = header.map((h) => ({ value: h, label: h }));
  return (
    <Modal opened onClose={onClose} title={t('lots.title')} size="lg" data-testid="lot-import">
      <form onSubmit={form.onSubmit((v) => run.mutate(v))}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('lots.intro')}
          </Text>
          <Select label={t('wizard.shop')} data={shops.map((s) => ({ value: s.id, label: s.name }))} {...form.getInputProps('shopId')} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
          <Group gap="xs">
            <FileButton onChange={(file) => void pick(file)} accept=".csv,text/csv,text/plain">
              {(props) => (
                <Button variant="default" leftSection={<IconUpload size={16} />} {...props}>
                  {t('lots.pickFile')}
                </Button>
              )}
            </FileButton>
            <Text size="xs" c="dimmed">
              {t('lots.orPaste')}
            </Text>
          </Group>
          <Textarea label={t('lots.csv')} autosize minRows={4} maxRows={10} styles={{ input: { fontFamily: 'monospace', fontSize: 12 } }} {...form.getInputProps('csv')} onChange={(e) => { form.setFieldValue('csv', e.currentTarget.value); setResult(null); }} data-testid="lot-csv" />
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            <Select label={t('lots.fields.order')} data={columns} {...form.getInputProps('order')} comboboxProps={{ withinPortal: true }} data-testid="lot-col-order" />
            <Select label={t('lots.fields.line')} data={columns} {...form.getInputProps('line')} comboboxProps={{ withinPortal: true }} data-testid="lot-col-line" />
            <Select label={t('lots.fields.lot')} data={columns} {...form.getInputProps('lot')} comboboxProps={{ withinPortal: true }} data-testid="lot-col-lot" />
          </SimpleGrid>
          <Text size="xs" c="dimmed">
            {t('lots.lineHelp')}
          </Text>
          <Checkbox label={t('lots.dryRun')} {...form.getInputProps('dryRun', { type: 'checkbox' })} />
          {result && result.status !== 'refused' && (
            <Alert color={result.status === 'imported' ? 'teal' : 'blue'} data-testid="lot-result">
              {t(`lots.result.${result.status}`, { rows: f.number(result.rows), lines: f.number(result.lines) })}
            </Alert>
          )}
          {result && result.status === 'refused' && (
            <Alert color="red" title={t('lots.result.refused', { count: result.errorCount, errors: f.number(result.errorCount) })} data-testid="lot-errors">
              <Table.ScrollContainer minWidth={320} mah={240}>
                <Table fz="xs" withRowBorders>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('lots.cols.row')}</Table.Th>
                      <Table.Th>{t('lots.cols.field')}</Table.Th>
                      <Table.Th>{t('lots.cols.problem')}</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {result.errors.map((e) => (
                      <Table.Tr key={`${e.row}-${e.field}`}>
                        <Table.Td>{f.number(e.row)}</Table.Td>
                        <Table.Td>{t(`lots.fields.${e.field}`)}</Table.Td>
                        <Table.Td>
                          {t(`lots.errors.${e.code}`)}
                          {e.value ? ` (${e.value})` : ''}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
              {result.errorCount > result.errors.length && <Text size="xs">{t('lots.moreErrors', { count: result.errorCount - result.errors.length })}</Text>}
            </Alert>
          )}
          {(lots.data?.length ?? 0) > 0 && (
            <Text size="xs" c="dimmed" data-testid="lot-known">
              {t('lots.known', { count: lots.data!.length, lots: lots.data!.slice(0, 5).map((l) => `${l.lot} (${f.number(l.lines)})`).join(', ') })}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('lots.done')}
            </Button>
            <Button type="submit" loading={run.isPending} data-testid="lot-submit">
              {form.values.dryRun ? t('lots.check') : t('lots.import')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
