import { Select } from '@mantine/core';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { ShopView } from '../settings/types';

/** Which shop a per-shop editor is showing (the first one until the person picks another). */
export function ShopPicker({ shops, value, onChange }: { shops: ShopView[]; value: string | null; onChange: (id: string) => void }) {
  const { t } = useTranslation('setup');
  useEffect(() => {
    if (!value && shops[0]) onChange(shops[0].id);
  }, [value, shops, onChange]);
  return (
    <Select
      label={t('common.shop')}
      data={shops.map((s) => ({ value: s.id, label: `${s.name} · ${s.market} · ${s.currency}` }))}
      value={value}
      onChange={(v) => v && onChange(v)}
      allowDeselect={false}
      w={{ base: '100%', sm: 360 }}
      comboboxProps={{ withinPortal: true }}
      data-testid="shop-picker"
    />
  );
}
