import { Anchor, Badge, Button, Card, Group, Image, Select, SimpleGrid, Stack, Table, Tabs, Text, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconRefresh } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useParams } from 'react-router-dom';
import { api } from '../../lib/api';
import { contractValidator } from '../../lib/form';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { PageHeader } from '../../shell/PageHeader';
import { useShops } from '../settings/api';
import { KNOWLEDGE_FIELDS, KNOWLEDGE_LANGUAGES, SaveEntryBody, useEntries, useProduct, useProducts, useVersions, type KnowledgeEntryView, type KnowledgeField, type KnowledgeLanguage, type SaveEntry } from './api';

const STATUS_COLOR: Record<KnowledgeEntryView['status'], string> = { source: 'blue', current: 'teal', out_of_date: 'orange', note: 'gray' };

/** Catalogue (products synced from the shops) and, per product, its knowledge in every language. */
export function CataloguePage() {
  return (
    <Routes>
      <Route index element={<ProductList />} />
      <Route path=":id" element={<ProductDetail />} />
    </Routes>
  );
}

function ProductList() {
  const { t } = useTranslation('knowledge');
  const fmt = useFormat();
  const { can } = useSession();
  const shops = useShops();
  const [shopId, setShopId] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const shop = shopId ?? shops.data?.[0]?.id ?? null;
  const products = useProducts(shop, q.trim());
  const sync = useApiMutation({
    mutationFn: () => api.post<{ products: number; skus: number }>(`/api/catalogue/shops/${shop}/sync`),
    invalidate: [['catalogue']],
    success: (r) => t('catalogue.synced', { count: r.products }),
  });
  const lead = can(['owner', 'supervisor']);
  return (
    <Stack>
      <PageHeader
        title={t('catalogue.title')}
        description={t('catalogue.description')}
        actions={lead && shop ? (
          <Button leftSection={<IconRefresh size={16} />} loading={sync.isPending} onClick={() => sync.mutate()} data-testid="catalogue-sync">
            {t('catalogue.sync')}
          </Button>
        ) : undefined}
      />
      <Group gap="sm" wrap="wrap">
        <Select w={220} label={t('shop')} data={(shops.data ?? []).map((s) => ({ value: s.id, label: s.name }))} value={shop} onChange={setShopId} allowDeselect={false} data-testid="catalogue-shop" />
        <TextInput w={260} label={t('catalogue.search')} value={q} onChange={(e) => setQ(e.currentTarget.value)} />
      </Group>
      {products.data && products.data.items.length === 0 && <Text c="dimmed">{t('catalogue.empty')}</Text>}
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {(products.data?.items ?? []).map((p) => (
          <Card key={p.id} withBorder padding="sm" radius="md" component={Link} to={`/catalogue/${p.id}`} data-testid="catalogue-product">
            <Group wrap="nowrap" align="flex-start">
              {p.imageUrl && <Image src={p.imageUrl} w={48} h={48} radius="sm" alt="" />}
              <Stack gap={4} style={{ minWidth: 0 }}>
                <Text fw={600} size="sm" lineClamp={2}>
                  {p.title}
                </Text>
                <Group gap={4}>
                  <Badge size="xs" variant="light" color="gray">{t('catalogue.skus', { count: p.skuCount })}</Badge>
                  <Badge size="xs" variant="light">{t('catalogue.entries', { count: p.entries })}</Badge>
                  {p.outOfDate > 0 && <Badge size="xs" variant="light" color="orange">{t('catalogue.outOfDate', { count: p.outOfDate })}</Badge>}
                </Group>
                <Text size="xs" c="dimmed">{t('catalogue.syncedAt', { at: fmt.shortDateTime(p.syncedAt) })}</Text>
              </Stack>
            </Group>
          </Card>
        ))}
      </SimpleGrid>
    </Stack>
  );
}

function ProductDetail() {
  const { t } = useTranslation('knowledge');
  const fmt = useFormat();
  const { id = '' } = useParams();
  const product = useProduct(id);
  const entries = useEntries(id);
  const [language, setLanguage] = useState<KnowledgeLanguage>('en');
  const [editing, setEditing] = useState<KnowledgeEntryView | null>(null);
  const [history, setHistory] = useState<string | null>(null);
  const versions = useVersions(history);
  const p = product.data;
  const mine = (entries.data ?? []).filter((e) => e.language === language);
  const statusOf = (lang: string) => {
    const list = (entries.data ?? []).filter((e) => e.language === lang);
    return { n: list.length, stale: list.filter((e) => e.status === 'out_of_date').length };
  };
  if (!p) return <Text c="dimmed">{t('loading')}</Text>;
  return (
    <Stack>
      <Anchor component={Link} to="/catalogue" size="sm">
        ← {t('catalogue.title')}
      </Anchor>
      <PageHeader title={p.title} description={[p.brand, p.category, p.externalId].filter(Boolean).join(' · ')} />
      <Card withBorder padding="sm">
        <Stack gap={6}>
          <Text size="sm" fw={600}>{t('listing.title')}</Text>
          <Group gap={4}>
            <Text size="xs" c="dimmed">{t('listing.covers')}</Text>
            {p.listingTopics.length === 0 && <Text size="xs">—</Text>}
            {p.listingTopics.map((x) => (
              <Badge key={x} size="xs" variant="outline">{t(`topics.${x}`)}</Badge>
            ))}
          </Group>
          <Text size="xs" c="dimmed">
            {t('listing.facts', { images: p.imageUrls.length, chars: p.description.replace(/<[^>]+>/g, '').length })} · {p.sizeChartUrl ? t('listing.sizeChart') : t('listing.noSizeChart')} · {p.warranty ?? t('listing.noWarranty')}
          </Text>
          {p.attributes.length > 0 && (
            <Text size="xs">{p.attributes.map((a) => `${a.name}: ${a.values.join(', ')}`).join(' · ')}</Text>
          )}
          <Table fz="xs" withRowBorders={false}>
            <Table.Tbody>
              {p.skus.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>{s.sellerSku ?? s.externalId}</Table.Td>
                  <Table.Td>{s.name}</Table.Td>
                  <Table.Td ta="right">{s.price ? fmt.money(s.price.amount, s.price.currency) : '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Card>
      <Tabs value={language} onChange={(v) => { setLanguage((v ?? 'en') as KnowledgeLanguage); setEditing(null); }}>
        <Tabs.List style={{ overflowX: 'auto', flexWrap: 'nowrap' }}>
          {KNOWLEDGE_LANGUAGES.map((l) => {
            const s = statusOf(l);
            return (
              <Tabs.Tab key={l} value={l} data-testid={`lang-${l}`} rightSection={s.stale ? <Badge size="xs" color="orange" circle>{s.stale}</Badge> : s.n ? <Badge size="xs" variant="light" circle>{s.n}</Badge> : undefined}>
                {t(`languages.${l}`)}
              </Tabs.Tab>
            );
          })}
        </Tabs.List>
      </Tabs>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Stack gap="xs">
          {mine.length === 0 && <Text size="sm" c="dimmed">{t('entries.none')}</Text>}
          {mine.map((e) => (
            <Card key={e.id} withBorder padding="xs" data-testid="knowledge-entry">
              <Group justify="space-between" wrap="nowrap" gap={6}>
                <Text size="sm" fw={600} style={{ minWidth: 0 }} truncate>
                  {e.title}
                </Text>
                <Badge size="xs" color={STATUS_COLOR[e.status]} variant="light" data-testid="entry-status">{t(`status.${e.status}`)}</Badge>
              </Group>
              <Text size="xs" c="dimmed">{t(`fields.${e.field}`)}{e.key ? ` · ${e.key}` : ''} · v{e.version} · {e.authorName ?? e.authorId} · {fmt.date(e.updatedAt)}</Text>
              <Text size="sm" mt={4} style={{ whiteSpace: 'pre-wrap' }}>{e.body}</Text>
              <Group gap={6} mt={4}>
                <Button size="compact-xs" variant="light" onClick={() => setEditing(e)}>{t('entries.edit')}</Button>
                <Button size="compact-xs" variant="subtle" onClick={() => setHistory(history === e.id ? null : e.id)}>{t('entries.history')}</Button>
              </Group>
              {history === e.id && (
                <Stack gap={2} mt={4}>
                  {(versions.data ?? []).map((v) => (
                    <Text key={v.version} size="xs" c="dimmed">v{v.version} · {v.authorName ?? v.authorId} · {fmt.dateTime(v.createdAt)} — {v.body.slice(0, 120)}</Text>
                  ))}
                </Stack>
              )}
            </Card>
          ))}
        </Stack>
        <EntryForm key={`${language}-${editing?.id ?? 'new'}`} productId={id} language={language} entry={editing} onDone={() => setEditing(null)} />
      </SimpleGrid>
    </Stack>
  );
}

function EntryForm({ productId, language, entry, onDone }: { productId: string; language: KnowledgeLanguage; entry: KnowledgeEntryView | null; onDone: () => void }) {
  const { t } = useTranslation('knowledge');
  const { t: tAll } = useTranslation();
  const form = useForm<SaveEntry>({
    initialValues: { field: entry?.field ?? 'faq', key: entry?.key || undefined, language, title: entry?.title ?? '', body: entry?.body ?? '' },
    validate: contractValidator(tAll, SaveEntryBody, (v: SaveEntry) => ({ ...v, key: v.key || undefined })),
  });
  const save = useApiMutation({
    mutationFn: (v: SaveEntry) => api.put(`/api/catalogue/products/${productId}/knowledge`, { ...v, key: v.key || undefined }),
    form,
    invalidate: [['catalogue']],
    success: t('entries.saved'),
    onSuccess: () => {
      form.reset();
      onDone();
    },
  });
  return (
    <Card withBorder padding="sm">
      <form onSubmit={form.onSubmit((v) => save.mutate(v))} data-testid="entry-form">
        <Stack gap="xs">
          <Text size="sm" fw={600}>{entry ? t('entries.editTitle') : t('entries.newTitle')}</Text>
          <Select label={t('entries.field')} data={KNOWLEDGE_FIELDS.map((f) => ({ value: f, label: t(`fields.${f}`) }))} disabled={!!entry} {...form.getInputProps('field')} onChange={(v) => form.setFieldValue('field', (v ?? 'faq') as KnowledgeField)} />
          <TextInput label={t('entries.key')} description={t('entries.keyHelp')} disabled={!!entry} {...form.getInputProps('key')} value={form.values.key ?? ''} />
          <TextInput label={t('entries.titleLabel')} {...form.getInputProps('title')} data-testid="entry-title" />
          <Textarea label={t('entries.body')} autosize minRows={4} {...form.getInputProps('body')} data-testid="entry-body" />
          <Group justify="flex-end" gap="xs">
            {entry && <Button variant="default" onClick={onDone}>{t('entries.cancel')}</Button>}
            <Button type="submit" loading={save.isPending} data-testid="entry-save">{t('entries.save')}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}
