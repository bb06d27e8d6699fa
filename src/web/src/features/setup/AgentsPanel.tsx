import { Badge, Button, Group, Modal, Paper, Select, SimpleGrid, Stack, Switch, Text } from '@mantine/core';
import { IconArrowsShuffle, IconClockHour4 } from '@tabler/icons-react';
import { useForm } from '@mantine/form';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { HoursEditor, timeZones } from '../settings/ShopEditor';
import { FormAlert, QueryState } from '../settings/common';
import { WEEKDAYS, type BusinessHours } from '../settings/types';
import { setupKeys, useAgents, type AgentView } from './api';
import type { AgentRerouteView } from '../../../../modules/helpdesk/helpdesk.dto.js';

const OFFICE: BusinessHours = { mon: [{ start: '09:00', end: '18:00' }], tue: [{ start: '09:00', end: '18:00' }], wed: [{ start: '09:00', end: '18:00' }], thu: [{ start: '09:00', end: '18:00' }], fri: [{ start: '09:00', end: '18:00' }], sat: [], sun: [] };

/** People who take tickets: their working hours (routing skips whoever is off shift) and moving their open tickets on. */
export function AgentsPanel() {
  const { t } = useTranslation('setup');
  const agents = useAgents();
  const [editing, setEditing] = useState<AgentView | null>(null);
  return (
    <Stack gap="md">
      <Text size="sm" c="dimmed">
        {t('agents.intro')}
      </Text>
      <QueryState isPending={agents.isPending} error={agents.error} empty={!agents.data?.length} emptyText={t('agents.empty')}>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
          {agents.data?.map((a) => <AgentCard key={a.id} agent={a} onEdit={() => setEditing(a)} />)}
        </SimpleGrid>
      </QueryState>
      {editing && <ScheduleModal agent={editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}

function summary(hours: BusinessHours, t: (k: string) => string): string {
  const days = WEEKDAYS.filter((d) => hours[d].length);
  if (!days.length) return t('agents.neverOn');
  return days.map((d) => `${t(`common:weekdays.${d}`)} ${hours[d].map((i) => `${i.start}–${i.end}`).join(', ')}`).join(' · ');
}

function AgentCard({ agent, onEdit }: { agent: AgentView; onEdit: () => void }) {
  const { t } = useTranslation('setup');
  const qc = useQueryClient();
  const [result, setResult] = useState<AgentRerouteView['items'] | null>(null);
  const names = new Map((qc.getQueryData<AgentView[]>(setupKeys.agents) ?? []).map((a) => [a.id, a.name]));
  const reroute = useApiMutation({
    mutationFn: () => api.post<AgentRerouteView>(`/api/helpdesk/agents/${encodeURIComponent(agent.id)}/reroute`, {}),
    invalidate: [setupKeys.agents],
    onSuccess: (r) => setResult(r.items),
  });
  const [confirming, setConfirming] = useState(false);
  const confirm = () => setConfirming(true);
  const moved = result?.filter((r) => r.to !== agent.id) ?? [];
  return (
    <Paper withBorder radius="md" p="md" data-testid={`agent-${agent.id}`}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <div style={{ minWidth: 0 }}>
            <Text fw={600} truncate>
              {agent.name}
            </Text>
            <Text size="xs" c="dimmed">
              {t(`common:roles.${agent.role}`)} · {agent.languages.join(', ')}
              {agent.skills.length ? ` · ${agent.skills.join(', ')}` : ''}
            </Text>
          </div>
          <Badge variant="dot" color={agent.onShift ? 'teal' : 'gray'} tt="none" style={{ flexShrink: 0 }}>
            {agent.onShift ? t('agents.onShift') : t('agents.offShift')}
          </Badge>
        </Group>
        <Text size="sm">
          <Text span c="dimmed" size="xs">
            {agent.schedule ? agent.schedule.timeZone : ''}
          </Text>{' '}
          {agent.schedule ? summary(agent.schedule.hours as BusinessHours, t) : t('agents.always')}
        </Text>
        <Text size="sm">{t('agents.open', { count: agent.load })}</Text>
        {result && (
          <Text size="sm" c="teal" data-testid="reroute-result">
            {t('agents.rerouted', { total: result.length, moved: moved.length })}
            {moved.length > 0 && ` (${[...new Set(moved.map((m) => (m.to ? names.get(m.to) ?? m.to : t('agents.nobody'))))].join(', ')})`}
          </Text>
        )}
        <Group gap="xs">
          <Button size="xs" variant="light" leftSection={<IconClockHour4 size={14} />} onClick={onEdit}>
            {t('agents.editHours')}
          </Button>
          <Button size="xs" variant="default" leftSection={<IconArrowsShuffle size={14} />} onClick={confirm} loading={reroute.isPending} disabled={agent.load === 0}>
            {t('agents.reroute')}
          </Button>
        </Group>
      </Stack>
      <Modal opened={confirming} onClose={() => setConfirming(false)} title={<Text fw={600}>{t('agents.rerouteTitle', { name: agent.name })}</Text>}>
        <Stack gap="sm">
          <Text size="sm">{t('agents.rerouteConfirm', { count: agent.load, name: agent.name })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirming(false)}>
              {t('common.cancel')}
            </Button>
            <Button
              data-testid="confirm-reroute"
              onClick={() => {
                setConfirming(false);
                reroute.mutate();
              }}
            >
              {t('agents.reroute')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}

function ScheduleModal({ agent, onClose }: { agent: AgentView; onClose: () => void }) {
  const { t } = useTranslation('setup');
  type Values = { always: boolean; timeZone: string; hours: BusinessHours };
  const form = useForm<Values>({
    initialValues: { always: agent.schedule === null, timeZone: agent.schedule?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone, hours: (agent.schedule?.hours as BusinessHours | undefined) ?? OFFICE },
  });
  const { always, timeZone, hours } = form.values;
  const [formError, setFormError] = useState<string | null>(null);
  const err = (f: string) => form.errors[f] as string | undefined;
  const save = useApiMutation({
    // "Always available" is a schedule open all week (the API has no delete).
    mutationFn: (v: Values) =>
      api.put(`/api/helpdesk/agents/${encodeURIComponent(agent.id)}/schedule`, {
        timeZone: v.timeZone,
        hours: v.always ? Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]])) : v.hours,
      }),
    invalidate: [setupKeys.agents],
    success: t('agents.saved', { name: agent.name }),
    onMutate: () => setFormError(null),
    onSuccess: () => onClose(),
    onError: (presented) => {
      form.setErrors(presented.fields);
      setFormError(Object.keys(presented.fields).length ? t('common.fixErrors') : presented.message);
    },
  });
  return (
    <Modal opened onClose={onClose} size="lg" title={<Text fw={600}>{t('agents.hoursTitle', { name: agent.name })}</Text>}>
      <Stack gap="sm">
        <FormAlert message={formError} />
        <Select label={t('agents.timeZone')} data={timeZones(timeZone)} value={timeZone} onChange={(v) => v && form.setFieldValue('timeZone', v)} searchable allowDeselect={false} error={err('timeZone')} comboboxProps={{ withinPortal: true }} limit={200} />
        <Switch label={t('agents.alwaysLabel')} {...form.getInputProps('always', { type: 'checkbox' })} />
        {!always && <HoursEditor hours={hours} onChange={(h) => form.setFieldValue('hours', h)} err={err} timeZone={timeZone} errPrefix="hours" />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={() => save.mutate(form.getValues())} loading={save.isPending}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
