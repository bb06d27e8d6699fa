import { Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CreateBrand } from '../../../../modules/tenancy/tenancy.dto';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { keys, useBrands, useShops } from './api';
import { FormAlert, QueryState } from './common';
import type { Brand } from './types';

export function BrandsPanel() {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const isOwner = can(['owner']);
  const brands = useBrands();
  const shops = useShops();
  const { t: tAll } = useTranslation();
  const fmt = useFormat();
  const [formError, setFormError] = useState<string | null>(null);
  const form = useForm({ initialValues: { name: '' }, validate: contractValidator(tAll, CreateBrand, (v: { name: string }) => ({ name: v.name.trim() })) });
  const create = useApiMutation({
    mutationFn: (v: { name: string }) => api.post<Brand>('/api/brands', { name: v.name.trim() }),
    form,
    invalidate: [keys.brands],
    success: (b) => t('brands.created', { name: b.name }),
    onMutate: () => setFormError(null),
    onSuccess: () => form.reset(),
    onError: (presented) => setFormError(presented.fields.name ? null : presented.message),
  });

  const shopCount = (id: string) => shops.data?.filter((s) => s.brandId === id).length ?? 0;

  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('brands.intro')}
      </Text>
      {isOwner && (
        <form onSubmit={form.onSubmit((v) => create.mutate(v))} noValidate>
          <Stack gap="xs" maw={520}>
            <FormAlert message={formError} />
            <Group align="flex-start" gap="xs" wrap="nowrap">
              <TextInput
                style={{ flex: 1 }}
                label={t('brands.name')}
                {...form.getInputProps('name')}
              />
              <Button type="submit" mt={21} loading={create.isPending} leftSection={<IconPlus size={16} />}>
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
                  <Table.Td c="dimmed">{fmt.date(b.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
    </Stack>
  );
}
