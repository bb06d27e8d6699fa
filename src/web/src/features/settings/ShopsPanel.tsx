import { Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Route, Routes, useNavigate, useParams } from 'react-router-dom';
import { CreateShop } from '../../../../modules/tenancy/tenancy.dto';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { keys, useBrands, useShops } from './api';
import { FormAlert, QueryState } from './common';
import { ShopEditor } from './ShopEditor';
import { MARKETS, type ShopView } from './types';

export function ShopsPanel() {
  return (
    <Routes>
      <Route index element={<ShopsList />} />
      <Route path=":shopId" element={<ShopsList />} />
    </Routes>
  );
}

function ShopsList() {
  const { t } = useTranslation('settings');
  const { can } = useSession();
  const isOwner = can(['owner']);
  const shops = useShops();
  const brands = useBrands();
  const navigate = useNavigate();
  const { shopId } = useParams();
  const [creating, setCreating] = useState(false);
  const brandName = (id: string) => brands.data?.find((b) => b.id === id)?.name ?? '—';
  const editing = shopId ? shops.data?.find((s) => s.id === shopId) : undefined;

  return (
    <Stack gap="md">
      <Group justify="space-between" wrap="nowrap">
        <Text size="sm" c="dimmed">
          {t('shops.intro')}
        </Text>
        {isOwner && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} size="sm">
            {t('shops.add')}
          </Button>
        )}
      </Group>
      <QueryState isPending={shops.isPending} error={shops.error} empty={!shops.data?.length} emptyText={t('shops.empty')}>
        <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
          <Table highlightOnHover data-testid="shops-table" miw={760}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('shops.columns.name')}</Table.Th>
                <Table.Th>{t('shops.columns.brand')}</Table.Th>
                <Table.Th>{t('shops.columns.market')}</Table.Th>
                <Table.Th>{t('shops.columns.currency')}</Table.Th>
                <Table.Th>{t('shops.columns.timeZone')}</Table.Th>
                <Table.Th>{t('shops.columns.languages')}</Table.Th>
                <Table.Th>{t('shops.columns.tiktok')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shops.data?.map((s) => (
                <Table.Tr key={s.id} className="ad-clickable-row" onClick={() => navigate(`/settings/shops/${s.id}`)}>
                  <Table.Td fw={500}>{s.name}</Table.Td>
                  <Table.Td>{brandName(s.brandId)}</Table.Td>
                  <Table.Td>
                    <Text span size="sm">
                      {t(`common:markets.${s.market}`, { defaultValue: s.market })}
                    </Text>{' '}
                    <Text span size="xs" c="dimmed" ml={2}>
                      {s.market}
                      {s.region ? `-${s.region}` : ''}
                    </Text>
                  </Table.Td>
                  <Table.Td>{s.currency}</Table.Td>
                  <Table.Td c="dimmed">{s.timeZone}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {s.languages.map((l) => (
                        <Badge key={l} size="xs" variant="light" color="gray">
                          {l}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>{s.tiktokShopId ?? <Text span size="sm" c="dimmed">{t('shops.notConnected')}</Text>}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      </QueryState>
      <CreateShopModal opened={creating} onClose={() => setCreating(false)} />
      {editing && <ShopEditor key={editing.id} shop={editing} readOnly={!isOwner} onClose={() => navigate('/settings/shops')} />}
    </Stack>
  );
}

function CreateShopModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation('settings');
  const brands = useBrands();
  const { t: tAll } = useTranslation();
  const [formError, setFormError] = useState<string | null>(null);
  type Values = { brandId: string | null; market: string | null; region: string; name: string };
  const onlyBrand = brands.data?.length === 1 ? brands.data[0]!.id : null;
  const toBody = (v: Values) => ({ brandId: v.brandId ?? onlyBrand ?? undefined, market: v.market ?? undefined, name: v.name.trim(), ...(v.region.trim() ? { region: v.region.trim().toUpperCase() } : {}) });
  const form = useForm<Values>({ initialValues: { brandId: null, market: null, region: '', name: '' }, validate: contractValidator(tAll, CreateShop, toBody) });
  const effectiveBrand = form.values.brandId ?? onlyBrand;
  function reset() {
    form.reset();
    setFormError(null);
  }
  const create = useApiMutation({
    mutationFn: (v: Values) => api.post<ShopView>('/api/shops', toBody(v)),
    form,
    invalidate: [keys.shops],
    success: (shop) => t('shops.created', { name: shop.name }),
    onMutate: () => setFormError(null),
    onSuccess: () => {
      reset();
      onClose();
    },
    onError: (presented) => setFormError(Object.keys(presented.fields).length ? null : presented.message),
  });

  return (
    <Modal
      opened={opened}
      onClose={() => {
        reset();
        onClose();
      }}
      title={<Text fw={600}>{t('shops.create.title')}</Text>}
      size="md"
    >
      <form onSubmit={form.onSubmit((v) => create.mutate(v))} noValidate>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('shops.create.hint')}
          </Text>
          <FormAlert message={formError} />
          {brands.data && brands.data.length === 0 && (
            <Text size="sm" c="orange.8">
              {t('shops.create.noBrands')}
            </Text>
          )}
          <Select
            label={t('shops.fields.brand')}
            data={(brands.data ?? []).map((b) => ({ value: b.id, label: b.name }))}
            {...form.getInputProps('brandId')}
            value={effectiveBrand}
            allowDeselect={false}
            searchable
            comboboxProps={{ withinPortal: true }}
          />
          <Select
            label={t('shops.fields.market')}
            data={MARKETS.map((m) => ({ value: m, label: `${t(`common:markets.${m}`)} (${m})` }))}
            {...form.getInputProps('market')}
            allowDeselect={false}
            searchable
            comboboxProps={{ withinPortal: true }}
          />
          <TextInput label={t('shops.fields.name')} {...form.getInputProps('name')} />
          <TextInput
            label={t('shops.fields.region')}
            description={t('shops.fields.regionHint')}
            {...form.getInputProps('region')}
            maxLength={10}
          />
          <Group justify="flex-end" mt="xs">
            <Button variant="default" onClick={() => { reset(); onClose(); }}>
              {t('common:actions.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('shops.create.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
