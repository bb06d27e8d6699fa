import { Badge, Combobox, Group, InputBase, Loader, Stack, Text, useCombobox } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney } from '../../lib/money';
import { useLookup, type LookupHitView, type LookupKind } from './api';

export const KIND_COLOR: Record<LookupKind, string> = { order: 'blue', ticket: 'grape', buyer: 'teal', return: 'orange' };

/** One hit in words: its kind, what people call it, who it belongs to, what matched. */
export function HitLine({ h }: { h: LookupHitView }) {
  const { t, i18n } = useTranslation('records');
  return (
    <Group gap={8} wrap="nowrap" justify="space-between" style={{ minWidth: 0 }}>
      <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
        <Badge size="xs" variant="light" color={KIND_COLOR[h.kind]} style={{ flex: 'none' }}>
          {t(`kinds.${h.kind}`)}
        </Badge>
        <Stack gap={0} style={{ minWidth: 0 }}>
          <Text size="sm" fw={600} truncate>
            {h.title}
          </Text>
          <Text size="xs" c="dimmed" truncate>
            {[h.subtitle, t(`matches.${h.match}`)].filter(Boolean).join(' · ')}
          </Text>
        </Stack>
      </Group>
      {h.amount && (
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
          {formatMoney(h.amount.value, h.amount.currency, i18n.language)}
        </Text>
      )}
    </Group>
  );
}

/**
 * Find an order, ticket, buyer or return by any number or name people have and pick it; forms
 * use it wherever they need an order or a ticket, so nobody types an internal id.
 */
export function LookupPicker(props: {
  kind?: LookupKind;
  label?: string;
  placeholder?: string;
  /** What the field shows when something is chosen (e.g. the order number). */
  selectedLabel?: string | null;
  onPick: (hit: LookupHitView | null) => void;
  required?: boolean;
  testId?: string;
  error?: string | null;
  clearable?: boolean;
}) {
  const { t } = useTranslation('records');
  const [q, setQ] = useState('');
  const [typing, setTyping] = useState(false);
  const combobox = useCombobox({ onDropdownClose: () => combobox.resetSelectedOption() });
  const hits = useLookup(q, props.kind);
  const items = hits.data ?? [];
  const shown = typing ? q : (props.selectedLabel ?? q);
  return (
    <Combobox
      store={combobox}
      onOptionSubmit={(val) => {
        const h = items.find((x) => `${x.kind}:${x.id}` === val) ?? null;
        props.onPick(h);
        setTyping(false);
        setQ(h?.title ?? '');
        combobox.closeDropdown();
      }}
    >
      <Combobox.Target>
        <InputBase
          label={props.label}
          placeholder={props.placeholder ?? t(`picker.placeholder.${props.kind ?? 'any'}`)}
          value={shown}
          required={props.required}
          error={props.error}
          leftSection={hits.isFetching ? <Loader size={14} /> : <IconSearch size={14} />}
          onChange={(e) => {
            setTyping(true);
            setQ(e.currentTarget.value);
            combobox.openDropdown();
            combobox.updateSelectedOptionIndex();
            if (props.clearable !== false && props.selectedLabel && e.currentTarget.value === '') props.onPick(null);
          }}
          onFocus={() => combobox.openDropdown()}
          onBlur={() => {
            combobox.closeDropdown();
            setTyping(false);
          }}
          data-testid={props.testId}
          aria-label={props.label ?? t(`picker.placeholder.${props.kind ?? 'any'}`)}
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={q.trim().length < 2}>
        <Combobox.Options mah={320} style={{ overflowY: 'auto' }}>
          {items.length === 0 ? (
            <Combobox.Empty>{hits.isFetching ? t('picker.searching') : t('picker.nothing')}</Combobox.Empty>
          ) : (
            items.map((h) => (
              <Combobox.Option value={`${h.kind}:${h.id}`} key={`${h.kind}:${h.id}`} data-testid={`hit-${h.kind}`}>
                <HitLine h={h} />
              </Combobox.Option>
            ))
          )}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}
