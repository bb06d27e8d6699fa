import { ActionIcon, Alert, Badge, Button, Checkbox, Group, Modal, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { IconHistory, IconInfoCircle, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useSession } from '../../lib/session';
import { useApiMutation } from '../../lib/mutation';
import { useUsers } from '../settings/api';
import { FormAlert, QueryState } from '../settings/common';
import { formatDateTime, useReasonTree, useReasonVersions, type ReasonTreeView } from './api';

type Node = ReasonTreeView['nodes'][number];
const LABEL_LANGS = ['en', 'zh-CN', 'de', 'fr', 'it', 'es'] as const;
const FAULTS = ['buyer', 'seller', 'carrier', 'platform'] as const;

/** The return reason tree: edit the current version (saving makes a new one) and look at earlier ones. */
export function ReasonsPanel() {
  const { t } = useTranslation('setup');
  const [viewing, setViewing] = useState<number | null>(null);
  const current = useReasonTree(null);
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('reasons.intro')}
      </Text>
      <QueryState isPending={current.isPending} error={current.error} empty={false} emptyText="">
        {current.data && <TreeEditor key={current.data.id} tree={current.data} />}
      </QueryState>
      <History current={current.data?.version ?? null} onView={setViewing} />
      {viewing !== null && <VersionModal version={viewing} onClose={() => setViewing(null)} />}
    </Stack>
  );
}

function label(node: Node, lang: string): string {
  return (node.labels as Record<string, string>)[lang] || node.labels.en;
}

function TreeTable({ nodes, onEdit, onRemove }: { nodes: Node[]; onEdit?: (i: number) => void; onRemove?: (i: number) => void }) {
  const { t, i18n } = useTranslation('setup');
  // Parents first, each followed by its children.
  const order = nodes.flatMap((n, i) => (n.parent ? [] : [i, ...nodes.flatMap((c, j) => (c.parent === n.code ? [j] : []))]));
  const orphans = nodes.map((_, i) => i).filter((i) => !order.includes(i));
  return (
    <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
      <Table miw={560} data-testid="reason-tree">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('reasons.columns.reason')}</Table.Th>
            <Table.Th>{t('reasons.columns.code')}</Table.Th>
            <Table.Th>{t('reasons.columns.fault')}</Table.Th>
            <Table.Th>{t('reasons.columns.photos')}</Table.Th>
            {onEdit && <Table.Th w={80} />}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...order, ...orphans].map((i) => {
            const n = nodes[i]!;
            return (
              <Table.Tr key={`${n.code}-${i}`}>
                <Table.Td style={{ paddingLeft: n.parent ? 32 : undefined }}>
                  <Text size="sm" fw={n.parent ? 400 : 600}>
                    {label(n, i18n.language)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {n.code}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color="gray" tt="none">
                    {t(`reasons.fault.${n.faultOwner}`)}
                  </Badge>
                </Table.Td>
                <Table.Td>{n.photosRequired ? t('reasons.photosYes') : '—'}</Table.Td>
                {onEdit && onRemove && (
                  <Table.Td>
                    <Group gap={2} wrap="nowrap">
                      <Tooltip label={t('common.edit')}>
                        <ActionIcon variant="subtle" color="gray" onClick={() => onEdit(i)} aria-label={`${t('common.edit')} ${n.code}`}>
                          <IconPencil size={16} />
                        </ActionIcon>
                      </Tooltip>
                      <Tooltip label={t('reasons.remove')}>
                        <ActionIcon variant="subtle" color="red" onClick={() => onRemove(i)} aria-label={`${t('reasons.remove')} ${n.code}`}>
                          <IconTrash size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  </Table.Td>
                )}
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function TreeEditor({ tree }: { tree: ReasonTreeView }) {
  const { t } = useTranslation('setup');
  const isOwner = useSession().can(['owner']);
  const [nodes, setNodes] = useState<Node[]>(tree.nodes);
  const [editing, setEditing] = useState<number | 'new' | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const changed = JSON.stringify(nodes) !== JSON.stringify(tree.nodes);
  // The tree is one list: every problem the server finds (by node path) is said above it.
  const save = useApiMutation({
    mutationFn: () => api.put<ReasonTreeView>('/api/returns/reasons', { nodes }),
    invalidate: [['returns', 'reasons']],
    success: (r) => t('reasons.saved', { version: r.version }),
    onMutate: () => setFormError(null),
    onError: (presented) => setFormError(presented.message),
  });
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={4}>{t('reasons.current', { version: tree.version })}</Title>
          {isOwner && (
            <Button size="xs" variant="light" leftSection={<IconPlus size={14} />} onClick={() => setEditing('new')}>
              {t('reasons.add')}
            </Button>
          )}
        </Group>
        {!isOwner && (
          <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />}>
            {t('reasons.ownerEdits')}
          </Alert>
        )}
        <FormAlert message={formError} />
        <TreeTable nodes={nodes} onEdit={isOwner ? setEditing : undefined} onRemove={isOwner ? (i) => setNodes(nodes.filter((_, j) => j !== i)) : undefined} />
        {isOwner && (
          <Group justify="flex-end">
            {changed && (
              <Button variant="default" onClick={() => setNodes(tree.nodes)}>
                {t('reasons.discard')}
              </Button>
            )}
            <Button onClick={() => save.mutate()} loading={save.isPending} disabled={!changed} data-testid="save-reasons">
              {t('reasons.saveVersion', { version: tree.version + 1 })}
            </Button>
          </Group>
        )}
      </Stack>
      {editing !== null && (
        <NodeModal
          node={editing === 'new' ? null : nodes[editing]!}
          parents={nodes.filter((n) => !n.parent && (editing === 'new' || n.code !== nodes[editing]!.code)).map((n) => n.code)}
          onClose={() => setEditing(null)}
          onSave={(n) => {
            setNodes(editing === 'new' ? [...nodes, n] : nodes.map((x, j) => (j === editing ? n : x)));
            setEditing(null);
          }}
        />
      )}
    </Paper>
  );
}

function NodeModal({ node, parents, onClose, onSave }: { node: Node | null; parents: string[]; onClose: () => void; onSave: (n: Node) => void }) {
  const { t } = useTranslation('setup');
  const [draft, setDraft] = useState<Node>(node ?? { code: '', parent: null, faultOwner: 'seller', photosRequired: false, labels: { en: '', de: '', fr: '', it: '', es: '', 'zh-CN': '' } });
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    if (!/^[a-z][a-z0-9_]{1,59}$/.test(draft.code)) return setError(t('reasons.codeRule'));
    if (LABEL_LANGS.some((l) => !(draft.labels as Record<string, string>)[l]?.trim())) return setError(t('reasons.labelsRequired'));
    onSave(draft);
  };
  return (
    <Modal opened onClose={onClose} size="lg" title={<Text fw={600}>{node ? t('reasons.editTitle', { code: node.code }) : t('reasons.addTitle')}</Text>}>
      <Stack gap="sm">
        <FormAlert message={error} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          <TextInput label={t('reasons.columns.code')} description={t('reasons.codeRule')} value={draft.code} onChange={(e) => setDraft({ ...draft, code: e.currentTarget.value.trim() })} disabled={!!node} />
          <Select label={t('reasons.parent')} data={[{ value: '', label: t('reasons.topLevel') }, ...parents.map((p) => ({ value: p, label: p }))]} value={draft.parent ?? ''} onChange={(v) => setDraft({ ...draft, parent: v || null })} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
          <Select label={t('reasons.columns.fault')} data={FAULTS.map((f) => ({ value: f, label: t(`reasons.fault.${f}`) }))} value={draft.faultOwner} onChange={(v) => v && setDraft({ ...draft, faultOwner: v as Node['faultOwner'] })} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
          <Checkbox mt={28} label={t('reasons.photosRequired')} checked={draft.photosRequired} onChange={(e) => setDraft({ ...draft, photosRequired: e.currentTarget.checked })} />
        </SimpleGrid>
        <Text size="sm" fw={600}>
          {t('reasons.labels')}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
          {LABEL_LANGS.map((l) => (
            <TextInput key={l} label={t(`common:languages.${l}`)} value={(draft.labels as Record<string, string>)[l] ?? ''} onChange={(e) => setDraft({ ...draft, labels: { ...draft.labels, [l]: e.currentTarget.value } })} />
          ))}
        </SimpleGrid>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={submit}>{t('reasons.apply')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function History({ current, onView }: { current: number | null; onView: (v: number) => void }) {
  const { t, i18n } = useTranslation('setup');
  const q = useReasonVersions();
  const users = useUsers();
  const nameOf = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id;
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="sm">
        <Group gap="xs">
          <IconHistory size={18} />
          <Title order={4}>{t('reasons.history')}</Title>
        </Group>
        <QueryState isPending={q.isPending} error={q.error} empty={!q.data?.length} emptyText={t('reasons.noHistory')}>
          <div className="ad-table-wrap" style={{ overflowX: 'auto' }}>
            <Table data-testid="reason-versions">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('reasons.version')}</Table.Th>
                  <Table.Th>{t('reasons.savedBy')}</Table.Th>
                  <Table.Th>{t('reasons.savedAt')}</Table.Th>
                  <Table.Th ta="right">{t('reasons.count')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {q.data?.map((v) => (
                  <Table.Tr key={v.id}>
                    <Table.Td>
                      v{v.version}{' '}
                      {v.version === current && (
                        <Badge size="xs" variant="light" ml={4} tt="none">
                          {t('reasons.inUse')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{nameOf(v.createdBy)}</Table.Td>
                    <Table.Td>{formatDateTime(v.createdAt, i18n.language)}</Table.Td>
                    <Table.Td ta="right">{v.nodeCount}</Table.Td>
                    <Table.Td ta="right">
                      <Button size="compact-xs" variant="subtle" onClick={() => onView(v.version)}>
                        {t('reasons.view')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        </QueryState>
      </Stack>
    </Paper>
  );
}

function VersionModal({ version, onClose }: { version: number; onClose: () => void }) {
  const { t } = useTranslation('setup');
  const q = useReasonTree(version);
  return (
    <Modal opened onClose={onClose} size="xl" title={<Text fw={600}>{t('reasons.versionTitle', { version })}</Text>}>
      <QueryState isPending={q.isPending} error={q.error} empty={false} emptyText="">
        {q.data && <TreeTable nodes={q.data.nodes} />}
      </QueryState>
    </Modal>
  );
}

