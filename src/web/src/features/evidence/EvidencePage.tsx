import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconShieldCheck } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate, Route, Routes } from 'react-router-dom';
import { api } from '../../lib/api';
import { useFormat } from '../../lib/format';
import { presentError, useApiMutation } from '../../lib/mutation';
import { useSession } from '../../lib/session';
import { PageHeader } from '../../shell/PageHeader';
import { QueryState } from '../settings/common';
import { useCases, type VerifyResult } from './api';
import { caseTitle, useLabels, withNames, type CaseLabelView } from '../records/api';
import { CaseView } from './CaseView';
import { formatWhen } from './format';

export function EvidencePage() {
  return (
    <Routes>
      <Route index element={<CaseList />} />
      <Route path=":caseId" element={<CaseView />} />
      <Route path="*" element={<Navigate to="/evidence" replace />} />
    </Routes>
  );
}

function VerifyButton() {
  const { t } = useTranslation('evidence');
  const { t: tAll } = useTranslation();
  const fmt = useFormat();
  const verify = useApiMutation({ mutationFn: () => api.get<VerifyResult>('/api/evidence/verify'), onError: () => undefined });
  const result = verify.data;
  const error = verify.error ? presentError(tAll, verify.error).message : null;
  return (
    <Stack gap="xs" align="flex-end">
      <Button variant="light" leftSection={<IconShieldCheck size={16} />} loading={verify.isPending} onClick={() => verify.mutate()} data-testid="verify-chain">
        {t('verify.action')}
      </Button>
      {error && (
        <Text size="xs" c="red">
          {error}
        </Text>
      )}
      {result && (
        <Text size="xs" c={result.ok ? 'teal' : 'red'} data-testid="verify-result" maw={420} ta="right">
          {result.ok
            ? t('verify.ok', { records: fmt.number(result.records), files: result.files, checkpoints: result.checkpoints })
            : t('verify.broken', { seq: result.broken?.seq ?? '?', problem: t(`verify.problems.${result.broken?.problem ?? 'record_hash'}`), message: result.broken?.message ?? '' })}
        </Text>
      )}
    </Stack>
  );
}

function CaseList() {
  const { t, i18n } = useTranslation('evidence');
  const { can } = useSession();
  const cases = useCases();
  const { t: tr } = useTranslation('records');
  const labels = useLabels((cases.data ?? []).map((c) => c.caseId), (cases.data ?? []).map((c) => c.lastSummary));
  const labelOf = new Map((labels.data?.cases ?? []).map((l) => [l.id, l]));
  return (
    <>
      <PageHeader title={t('title')} description={t('description')} actions={can(['owner', 'supervisor']) ? <VerifyButton /> : undefined} />
      <Paper mt="md" withBorder radius="md" p={0}>
        <QueryState isPending={cases.isPending} error={cases.error} empty={!cases.data?.length} emptyText={t('cases.empty')}>
          <div className="ad-table-wrap">
            <Table highlightOnHover data-testid="evidence-cases">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('cases.columns.case')}</Table.Th>
                  <Table.Th>{t('cases.columns.type')}</Table.Th>
                  <Table.Th ta="right">{t('cases.columns.records')}</Table.Th>
                  <Table.Th ta="right">{t('cases.columns.files')}</Table.Th>
                  <Table.Th>{t('cases.columns.last')}</Table.Th>
                  <Table.Th>{t('cases.columns.lastAt')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {cases.data?.map((c) => (
                  <Table.Tr key={c.caseId}>
                    <Table.Td>
                      <Anchor component={Link} to={`/evidence/${encodeURIComponent(c.caseId)}`} fz="sm" fw={600} data-testid="case-link">
                        {caseTitle(labelOf.get(c.caseId), tr) ?? c.caseId}
                      </Anchor>
                      <CaseSubtitle l={labelOf.get(c.caseId)} />
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={c.caseType === 'return' ? 'grape' : c.caseType === 'dispute' ? 'red' : 'blue'}>
                        {t(`caseTypes.${c.caseType}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">{c.records}</Table.Td>
                    <Table.Td ta="right">{c.files}</Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={1}>
                        {withNames(c.lastSummary, labels.data)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                        {formatWhen(c.lastAt, i18n.language)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        </QueryState>
      </Paper>
      <Group gap={6} mt="sm">
        <IconCircleCheck size={14} color="var(--mantine-color-teal-6)" />
        <Text size="xs" c="dimmed">
          {t('appendOnly')}
        </Text>
      </Group>
    </>
  );
}

/** The ticket and RMA a case is about, each a link. */
export function CaseSubtitle({ l }: { l: CaseLabelView | undefined }) {
  const { t } = useTranslation('records');
  if (!l) return null;
  return (
    <Group gap={8} wrap="wrap">
      {l.ticketId && l.ticketNumber !== null && (
        <Anchor component={Link} to={`/inbox/${l.ticketId}`} size="xs" data-testid="case-ticket">
          {t('cases.ticket', { number: l.ticketNumber })}
        </Anchor>
      )}
      {l.returnId && l.rma && (
        <Anchor component={Link} to={`/returns/${l.returnId}`} size="xs">
          {t('cases.return', { rma: l.rma })}
        </Anchor>
      )}
      {l.orderId && (
        <Anchor component={Link} to={`/orders/${l.orderId}`} size="xs" data-testid="case-order">
          {t('cases.openOrder')}
        </Anchor>
      )}
      {l.buyerId && (
        <Anchor component={Link} to={`/customers/${l.buyerId}`} size="xs">
          {t('cases.openCustomer')}
        </Anchor>
      )}
    </Group>
  );
}

export function WarningList({ warnings }: { warnings: { code: string; message: string }[] }) {
  const { t } = useTranslation('evidence');
  if (!warnings.length) {
    return (
      <Alert color="teal" variant="light" icon={<IconCircleCheck size={18} />} data-testid="pack-ready">
        {t('pack.ready')}
      </Alert>
    );
  }
  return (
    <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />} title={t('pack.missingTitle')} data-testid="pack-warnings">
      <Stack gap={2}>
        {warnings.map((w) => (
          <Text size="sm" key={w.code}>
            {t(`pack.missing.${w.code.replace('evidence.missing.', '')}`, { defaultValue: w.message })}
          </Text>
        ))}
      </Stack>
    </Alert>
  );
}
