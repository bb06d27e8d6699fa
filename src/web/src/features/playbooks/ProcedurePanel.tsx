import { Alert, Badge, Button, Checkbox, Group, Progress, Select, Stack, Switch, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { useApiMutation } from '../../lib/mutation';
import { local, pbKeys, PROBLEM_CATEGORIES, useTicketProcedure, type TicketProcedureView } from './api';

type Move = { action: 'check' | 'uncheck' | 'next' | 'back' | 'complete' | 'reopen' | 'start'; step?: number; check?: number };

/**
 * The standard procedure for the ticket's problem category, in the ticket's sidebar: the whole
 * checklist, or (new-agent mode) one step at a time with "next" only once its checks are ticked.
 * Every tick is stored on the ticket's run and kept in its log.
 */
export function ProcedurePanel({ ticketId }: { ticketId: string }) {
  const { t, i18n } = useTranslation('playbooks');
  const lang = i18n.language;
  const [chosen, setChosen] = useState<string | null>(null);
  const [guided, setGuided] = useState(() => localStorage.getItem('afterdesk.newAgentMode') === '1');
  const q = useTicketProcedure(ticketId, chosen);
  // A tick shows at once; the server's answer (refetched) replaces it.
  const [pending, setPending] = useState<Record<string, boolean>>({});
  const move = useApiMutation({
    invalidate: [pbKeys.ticket(ticketId)],
    mutationFn: (m: Move) => api.post<TicketProcedureView>(`/api/tickets/${ticketId}/procedure`, { category: q.data?.category, ...m }),
    onSettled: () => setPending({}),
  });
  const v = q.data;
  const setMode = (on: boolean) => {
    setGuided(on);
    localStorage.setItem('afterdesk.newAgentMode', on ? '1' : '0');
  };
  if (!v) return null;
  const p = v.procedure;
  const run = v.run;
  const checked = new Set(run?.checked ?? []);
  const total = p ? p.steps.reduce((a, s) => a + s.checks.length, 0) : 0;
  const current = Math.min(run?.step ?? 0, (p?.steps.length ?? 1) - 1);
  const stepOpen = (i: number) => (p?.steps[i]?.checks ?? []).some((_, j) => !checked.has(`${i}.${j}`));
  const Steps = p ? (guided ? [current] : p.steps.map((_, i) => i)) : [];
  return (
    <div className="ad-side-section" data-testid="procedure-panel">
      <Group justify="space-between" wrap="nowrap" gap={4}>
        <Text className="ad-side-title">{t('panel.title')}</Text>
        <Switch size="xs" label={t('panel.newAgent')} checked={guided} onChange={(e) => setMode(e.currentTarget.checked)} data-testid="new-agent-mode" />
      </Group>
      <Select
        size="xs"
        mt={4}
        aria-label={t('panel.category')}
        data={PROBLEM_CATEGORIES.map((c) => ({ value: c, label: t(`categories.${c}`) }))}
        value={v.category}
        onChange={(c) => setChosen(c)}
        allowDeselect={false}
        data-testid="procedure-category"
      />
      <Text size="xs" c="dimmed" mt={2}>
        {t(`panel.source.${v.source}`)}
      </Text>
      {!p ? (
        <Text size="xs" c="dimmed" mt={6} data-testid="procedure-none">
          {t('panel.none')}
        </Text>
      ) : (
        <Stack gap={6} mt={6}>
          <Text size="sm" fw={600} data-testid="procedure-panel-title">
            {local(p.title, lang)}
          </Text>
          <Group gap={4}>
            {p.remedyTier ? (
              <Badge size="xs" variant="light" color="violet" data-testid="procedure-tier">
                {t('procedures.tierN', { tier: p.remedyTier })}
              </Badge>
            ) : (
              <Badge size="xs" variant="light" color="gray">
                {t('procedures.noTier')}
              </Badge>
            )}
            <Badge size="xs" variant="outline" color="gray">
              v{p.version}
            </Badge>
          </Group>
          {total > 0 && <Progress size="xs" value={(checked.size / total) * 100} aria-label={t('panel.progress')} />}
          {v.outdated && (
            <Text size="xs" c="orange">
              {t('panel.outdated')}
            </Text>
          )}
          {v.escalateNow && (
            <Alert color="red" p={6} icon={<IconAlertTriangle size={14} />} data-testid="procedure-escalate-now">
              <Text size="xs">{t('panel.escalateNow')}</Text>
            </Alert>
          )}
          {guided && (
            <Text size="xs" c="dimmed" data-testid="guided-step">
              {t('panel.stepOf', { n: current + 1, total: p.steps.length })}
            </Text>
          )}
          {Steps.map((i) => {
            const s = p.steps[i]!;
            return (
              <div key={i} data-testid="procedure-step">
                <Text size="xs" fw={600}>
                  {i + 1}. {local(s.title, lang)}
                </Text>
                {s.detail && (
                  <Text size="xs" c="dimmed">
                    {local(s.detail, lang)}
                  </Text>
                )}
                <Stack gap={2} mt={2}>
                  {s.checks.map((c, j) => {
                    const k = `${i}.${j}`;
                    return (
                      <Checkbox
                        key={k}
                        size="xs"
                        label={local(c, lang)}
                        checked={pending[k] ?? checked.has(k)}
                        disabled={move.isPending}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setPending({ [k]: on });
                          move.mutate({ action: on ? 'check' : 'uncheck', step: i, check: j });
                        }}
                        wrapperProps={{ 'data-testid': 'procedure-check' }}
                      />
                    );
                  })}
                </Stack>
              </div>
            );
          })}
          {guided && (
            <Group gap={4}>
              <Button size="compact-xs" variant="default" disabled={current === 0 || move.isPending} onClick={() => move.mutate({ action: 'back' })} data-testid="procedure-back">
                {t('panel.back')}
              </Button>
              {current < p.steps.length - 1 ? (
                <Button size="compact-xs" disabled={stepOpen(current) || move.isPending} onClick={() => move.mutate({ action: 'next' })} data-testid="procedure-next">
                  {t('panel.next')}
                </Button>
              ) : null}
            </Group>
          )}
          {run?.completedAt ? (
            <Badge size="sm" color="teal" variant="light" data-testid="procedure-done">
              {t('panel.done')}
            </Badge>
          ) : (
            (!guided || current === p.steps.length - 1) && (
              <Button size="compact-xs" variant="light" color="teal" disabled={checked.size < total || move.isPending} onClick={() => move.mutate({ action: 'complete' })} data-testid="procedure-complete">
                {t('panel.complete')}
              </Button>
            )
          )}
          <Text size="xs" c="dimmed">
            {t('panel.escalateWhen', { when: local(p.escalateWhen, lang) })}
            {p.escalateAfterHours ? ` ${t('panel.escalateAfter', { hours: p.escalateAfterHours })}` : ''}
          </Text>
        </Stack>
      )}
    </div>
  );
}
