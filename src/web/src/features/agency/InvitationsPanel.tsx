import { ActionIcon, Alert, Badge, Button, CopyButton, Group, Modal, MultiSelect, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconCopy, IconMailPlus, IconX } from '@tabler/icons-react';
import { useForm } from '@mantine/form';
import {useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CreatedInvitation } from '../../../../modules/auth/auth.dto.js';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { ROLES, type Role } from '../../lib/session';
import { useFormat } from '../../lib/format';
import { useApiMutation } from '../../lib/mutation';
import { useBrands } from '../settings/api';
import { agencyKeys, useInvitations, type InvitationView } from './api';

/**
 * Invitations of the organisation (owners): invite by e-mail with a role and optionally some
 * brands, copy the single-use link (shown once; until the installation sends mail the owner
 * passes it on), and revoke pending ones.
 */
export function InvitationsPanel() {
  const { t } = useTranslation('agency');
  const fmt = useFormat();
  const list = useInvitations(true);
  const brands = useBrands();
  const qc = useQueryClient();
  const [inviting, setInviting] = useState(false);
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const revoke = useApiMutation({
    mutationFn: (id: string) => api.post<InvitationView>(`/api/invitations/${encodeURIComponent(id)}/revoke`, {}),
    onSuccess: () => qc.invalidateQueries({ queryKey: agencyKeys.invitations }),
  });
  const brandName = (id: string) => brands.data?.find((b) => b.id === id)?.name ?? id;
  const shown = list.data?.filter((i) => i.status === 'pending' || i.status === 'expired').slice(0, 20) ?? [];

  return (
    <Stack gap="xs" mt="lg" data-testid="invitations-panel">
      <Group justify="space-between">
        <Text fw={600}>{t('invitations.title')}</Text>
        <Button variant="light" leftSection={<IconMailPlus size={16} />} onClick={() => setInviting(true)} data-testid="invite-open">
          {t('invitations.invite')}
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        {t('invitations.hint')}
      </Text>
      {shown.length > 0 && (
        <div style={{ overflowX: 'auto' }}>
          <Table miw={560}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('invitations.email')}</Table.Th>
                <Table.Th>{t('invitations.role')}</Table.Th>
                <Table.Th>{t('invitations.brands')}</Table.Th>
                <Table.Th>{t('invitations.expires')}</Table.Th>
                <Table.Th w={44} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((i) => (
                <Table.Tr key={i.id} data-testid={`invitation-${i.email}`}>
                  <Table.Td>
                    <Text size="sm">{i.email}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" tt="none">
                      {t(`common:roles.${i.role}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{i.brandIds ? i.brandIds.map(brandName).join(', ') : t('invitations.allBrands')}</Text>
                  </Table.Td>
                  <Table.Td>
                    {i.status === 'expired' ? (
                      <Badge size="sm" color="gray" variant="dot" tt="none">
                        {t('invitations.expired')}
                      </Badge>
                    ) : (
                      <Text size="xs">{fmt.dateTime(i.expiresAt)}</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {i.status === 'pending' && (
                      <Tooltip label={t('invitations.revoke')}>
                        <ActionIcon variant="subtle" color="red" aria-label={`${t('invitations.revoke')} ${i.email}`} onClick={() => revoke.mutate(i.id)} loading={revoke.isPending && revoke.variables === i.id}>
                          <IconX size={16} />
                        </ActionIcon>
                      </Tooltip>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
      {inviting && (
        <InviteModal
          brands={brands.data ?? []}
          onClose={() => setInviting(false)}
          onCreated={(c) => {
            setInviting(false);
            setCreated(c);
          }}
        />
      )}
      {created && (
        <Modal opened onClose={() => setCreated(null)} title={<Text fw={600}>{t('invitations.linkTitle')}</Text>} size="lg">
          <Stack gap="sm">
            <Text size="sm">{t(created.mailed ? 'invitations.linkMailed' : 'invitations.linkBody', { email: created.invitation.email })}</Text>
            <Group gap="xs" wrap="nowrap">
              <TextInput value={created.link} readOnly style={{ flex: 1 }} data-testid="invite-link" onFocus={(e) => e.currentTarget.select()} />
              <CopyButton value={created.link}>
                {({ copied, copy }) => (
                  <Button onClick={copy} color={copied ? 'teal' : undefined} leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}>
                    {copied ? t('invitations.copied') : t('invitations.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Alert variant="light" color="blue">
              {t('invitations.once')}
            </Alert>
          </Stack>
        </Modal>
      )}
    </Stack>
  );
}

function InviteModal({ brands, onClose, onCreated }: { brands: { id: string; name: string }[]; onClose: () => void; onCreated: (c: CreatedInvitation) => void }) {
  const { t, i18n } = useTranslation('agency');
  const form = useForm({
    initialValues: { email: '', role: 'agent' as Role, brandIds: [] as string[] },
    validate: { email: (v) => (v.trim() ? null : t('common:form.required')) },
  });
  const [formError, setFormError] = useState<string | null>(null);
  const create = useApiMutation({
    mutationFn: (v: typeof form.values) => api.post<CreatedInvitation>('/api/invitations', { email: v.email.trim(), role: v.role, locale: i18n.language === 'zh-CN' ? 'zh-CN' : 'en', ...(v.role !== 'owner' && v.brandIds.length ? { brandIds: v.brandIds } : {}) }),
    form,
    invalidate: [agencyKeys.invitations],
    onSuccess: (c) => onCreated(c),
    onError: (p) => setFormError(p.message),
  });
  return (
    <Modal opened onClose={onClose} title={<Text fw={600}>{t('invitations.invite')}</Text>}>
      <form
        onSubmit={form.onSubmit((v) => {
          setFormError(null);
          create.mutate(v);
        })}
        noValidate
      >
        <Stack gap="sm">
          {formError && <Alert color="red">{formError}</Alert>}
          <TextInput label={t('invitations.email')} type="email" {...form.getInputProps('email')} data-testid="invite-email" />
          <Select label={t('invitations.role')} data={ROLES.map((r) => ({ value: r, label: t(`common:roles.${r}`) }))} {...form.getInputProps('role')} allowDeselect={false} comboboxProps={{ withinPortal: true }} />
          {form.values.role !== 'owner' && (
            <MultiSelect
              label={t('invitations.brands')}
              description={t('invitations.brandsHint')}
              placeholder={form.values.brandIds.length ? undefined : t('invitations.allBrands')}
              data={brands.map((b) => ({ value: b.id, label: b.name }))}
              {...form.getInputProps('brandIds')}
              comboboxProps={{ withinPortal: true }}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('common:actions.cancel')}
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="invite-send">
              {t('invitations.create')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
