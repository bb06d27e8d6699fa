import { Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlus } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useSession } from '../../lib/session';
import { useFormErrors } from '../../lib/useFormErrors';
import { keys, useBrands, useShops } from './api';
import { FormAlert, QueryState } from './common';
import type { Brand } from './types';

export function BrandsPanel() {
  const { t, i18n } = useTranslation('settings');
  const { can } = useSession();
  const isOwner = can(['owner']);
  const brands = useBrands();
  const shops = useShops();
  const qc = useQueryClient();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors((f) => f === 'name');

  async function create(e: FormEvent) {
    e.preventDefault();
    form.clear();
    if (!name.trim()) return form.setLocal({ name: t('common:form.required') });
    setBusy(true);
    try {
      const b = await api.post<Brand>('/api/brands', { name: name.trim() });
      await qc.invalidateQueries({ queryKey: keys.brands });
      notifications.show({ color: 'teal', message: t('brands.created', { name: b.name }) });
      setName('');
    } catch (err) {
      form.fromError(err, t('common:form.fixErrors'));
    } finally {
      setBusy(false);
    }
  }

  const shopCount = (id: string) => shops.data?.filter((s) => s.brandId === id).length ?? 0;

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('brands.intro')}
      </Text>
      {isOwner && (
        <form onSubmit={(e) => void create(e)} noValidate>
          <Stack gap="xs" maw={520}>
            <FormAlert message={form.formError && !form.err('name') ? form.formError : null} />
            <Group align="flex-start" gap="xs" wrap="nowrap">
              <TextInput
                style={{ flex: 1 }}
                label={t('brands.name')}
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={form.err('name')}
              />
              <Button type="submit" mt={21} loading={busy} leftSection={<IconPlus size={16} />}>
                {t('brands.add')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
      <QueryState isPending={brands.isPending} error={brands.error} empty={!brands.data?.length} emptyText={t('brands.empty')}>
        <div className="ad-table-wrap">
          <Table striped={false} highlightOnHover data-testid="brands-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('brands.columns.name')}</Table.Th>
                <Table.Th>{t('brands.columns.shops')}</Table.Th>
                <Table.Th>{t('brands.columns.createdAt')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {brands.data?.map((b) => (
                <Table.Tr key={b.id}>
                  <Table.Td fw={500}>{b.name}</Table.Td>
                  <Table.Td>{shopCount(b.id)}</Table.Td>
                  <Table.Td c="dimmed">{new Date(b.createdAt).toLocaleDateString(i18n.language)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
    </Stack>
  );
}
